// The live views of the daemon's drills, kept up to date by their runs' events, and the console
// pages that follow them: after each event, every following page gets the drill's live section
// rendered again (server-sent events). Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/control/response_feed.h"
#include "orchestrator/engine/live_view.h"

namespace firedrill {

/// Every drill the daemon runs or ran since it started, as its live page shows it.
class LiveBoard {
 public:
  /// A follower that has this many bytes not yet sent (a page that stopped reading) is closed.
  static constexpr std::size_t kMaxBacklog = 1 << 20;

  /// A run of `drill` begins: a fresh view (faults waiting, probes not checked) replaces the one
  /// of its earlier run; pages that follow the drill get it.
  void Begin(const Drill& drill, SysTime now);
  /// Applies an event of the run of drill `id` recorded at `at` and pushes the section rendered
  /// at `now` to the drill's followers. Unknown ids are ignored.
  void Apply(const std::string& id, SysTime at, EventKind kind, const EventPayload& payload,
             SysTime now);
  /// The run of drill `id` ended: its followers get the last rendering and an `end` event and
  /// are closed. The view stays (a page opened later shows how the run ended).
  void End(const std::string& id, SysTime now);

  /// The view of drill `id`'s current or last run since the daemon started, or nullptr.
  const LiveView* View(const std::string& id) const;

  /// Returns a feed that follows drill `id` (which must have a view): the current section first,
  /// then one `live` event per recorded event, and `end` when the run ends.
  std::shared_ptr<ResponseFeed> Follow(const std::string& id, SysTime now);

  /// The feeds following any drill and still open.
  std::size_t followers() const;

 private:
  struct Board {
    LiveView view;
    std::vector<std::weak_ptr<ResponseFeed>> followers;
    std::uint64_t events = 0;  ///< the `id:` of the last pushed event
  };
  void Push(Board& board, SysTime now);

  std::map<std::string, Board, std::less<>> boards_;
};

}  // namespace firedrill
