// One drill, run in the foreground from waiting to closed: the engine's state machine.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/alerts/alert_payload.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {

/// How to run one drill.
struct RunOptions {
  std::filesystem::path state_dir;
  std::string drill_file;    ///< path, for records and messages
  std::string drill_source;  ///< the file's text, stored in the ledger for crash recovery
  bool json = false;         ///< one JSON object per line on `out` instead of text
  /// `out` is a terminal: a live status block (phase, faults, probes, TTD/TTR counting, acks,
  /// the restore point) is redrawn in place below the run's lines (LiveDisplay). Otherwise each
  /// event is one appended line, and a progress line every 10 minutes while waiting.
  bool live_view = false;
  /// With `live_view`: the block is coloured (the terminal supports it, NO_COLOR is unset).
  bool colour = false;
  /// When the drill's current window was announced (scheduled drills). Set, the engine refuses
  /// to inject when that was less than `announce.lead` before the window, unless `lead_override`
  /// (recorded) says why it may. Unset (a drill run by hand), no announcement is checked.
  std::optional<SysTime> announced_at;
  std::string lead_override;
  /// Returns the briefing recorded for this window (`firedrill brief`), if any: who and when.
  /// Asked at preflight (a briefing may be recorded while the run waits); unset means none. A
  /// drill with `briefing_required` is refused at preflight without one. Loop thread.
  std::function<std::optional<std::pair<std::string, SysTime>>()> briefing;
  /// Alerts firing now as the caller knows them (the daemon's webhooks), for the preflight veto;
  /// unset means none are known. Called on the loop thread.
  std::function<std::vector<Alert>()> firing_alerts;
  /// The seed of the wheel of misfortune (drills with `[wheel]`); unset, a random one. Recorded
  /// in `wheel-spun` either way.
  std::optional<std::uint64_t> wheel_seed;
  /// Called on the loop thread after each event of the run is recorded, with its kind, typed
  /// payload and text for people (the daemon's chat notices). Must not block.
  std::function<void(EventKind kind, const EventPayload& payload, const std::string& text)>
      on_event;
};

/// Options of a drill run by hand: no announcement, briefing or alerts known to the run.
inline RunOptions ForegroundRunOptions(std::filesystem::path state_dir, std::string drill_file,
                                       std::string drill_source, bool json, bool live_view) {
  RunOptions o;
  o.state_dir = std::move(state_dir);
  o.drill_file = std::move(drill_file);
  o.drill_source = std::move(drill_source);
  o.json = json;
  o.live_view = live_view;
  return o;
}

/// Runs `drill` to completion on one io_context (one thread) with a small worker pool for
/// blocking work: waiting → preflight → injecting → active → restoring → closed (or refused,
/// aborted, restore-failed). Every fault is written to the ledger before it is applied; restore
/// runs at the restore point, on SIGINT/SIGTERM (a second signal does not interrupt it), on a
/// guard trip and on a failed step. Returns an ExitStatus value.
int RunDrill(const Drill& drill, const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace firedrill
