// The daemon's freeze: a real incident (an alert matching the operator's rule and the detection
// of no drill in play, freeze_rule.h) or a lead (`firedrill freeze`) stands every drill down at
// once, and no drill injects until the freeze ends (the incident's alerts resolved plus the
// cool-down, or `firedrill unfreeze`). Each step is stored (freeze_table.h, so that it survives a
// restart), recorded in the hash chain, told in the daemon's output and announced in chat.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/alerts/alert_payload.h"
#include "orchestrator/control/control_handler.h"
#include "orchestrator/daemon/freeze_rule.h"
#include "orchestrator/daemon/notifier.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_payloads.h"
#include "orchestrator/store/freeze_table.h"

namespace firedrill {

/// What the freeze asks of the daemon. Called on the loop thread.
struct FreezeHooks {
  /// Aborts every running drill for `reason` (each restores everything); returns how many.
  std::function<std::size_t(const std::string& reason)> stand_down;
  /// Tells the daemon's output a line.
  std::function<void(const std::string& line)> say;
};

/// Keeps the freeze of one state directory. Loop thread only; `io`, `db` and `notifier` must
/// outlive it.
class Freezer {
 public:
  Freezer(boost::asio::io_context& io, Database& db, Notifier& notifier, IncidentRule rule,
          FreezeHooks hooks);

  /// Takes up the freeze a previous daemon left holding (ending it if its thaw time passed).
  /// Fails when the table cannot be read: the caller must not run drills then.
  Status Load();

  /// Weighs an alert heard from monitoring against the rule, with `in_play` the drills whose
  /// faults may be in place: a real incident starts (or holds) a freeze and stands every drill
  /// down; a resolved incident alert may start the cool-down.
  void OnAlert(const Alert& alert, const std::vector<const Drill*>& in_play);

  /// A freeze by hand (`firedrill freeze`): 200 with Json(); 409 if a freeze already holds.
  ControlResponse Freeze(const std::string& reason, const std::string& by);

  /// Ends the freeze by hand (`firedrill unfreeze`), whatever its cause: 200 with Json() of the
  /// freeze that ended ("frozen": false); 409 if none holds.
  ControlResponse Unfreeze(const std::string& reason, const std::string& by);

  /// {"frozen": false} or {"frozen": true, "id", "cause", "reason", "by", "since", "open_alerts",
  /// "thaw_at" (or null), "text" (DescribeFreeze)}.
  boost::json::object Json() const;

  /// True iff a freeze holds.
  bool frozen() const { return current_.has_value(); }

  /// How many freezes began, by cause (for /metrics); from the table, so across restarts.
  std::map<std::string, std::uint64_t> Counts();

  /// Cancels the cool-down timer (the daemon is stopping).
  void Stop();

 private:
  // Stores and records a freeze that began (current_ is set) and stands the drills down.
  void Started(const Alert* alert);
  // Stores and records the end of the freeze that holds.
  void End(const std::string& reason, const std::string& by);
  // Waits for current_->thaw_at, then ends the freeze.
  void ArmThaw();
  void Record(EventKind kind, const std::string& actor, const FreezeUpdate& payload);

  Database& db_;
  Notifier& notifier_;
  IncidentRule rule_;
  FreezeHooks hooks_;
  std::optional<FreezeRecord> current_;
  boost::asio::steady_timer thaw_timer_;
};

}  // namespace firedrill
