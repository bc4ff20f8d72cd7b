#include "orchestrator/report/latest_runs.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrator/store/event_kind.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

// What one pass keeps of a drill: the events of the runs that may still turn out its latest.
struct DrillRuns {
  std::string started;     // the run of its last run-started; "" before one
  std::string last_named;  // the run of its last event naming one, before any run-started
  std::unordered_map<std::string, std::vector<Event>> events;  // by run
};

}  // namespace

Expected<std::map<std::string, LatestRun>> LatestRuns(Database& db) {
  std::unordered_map<std::string, DrillRuns> drills;
  Status st = EventLog(db).ForEach([&](const Event& e) {
    std::string run = PayloadRunId(e.payload_json);
    if (run.empty()) return true;
    DrillRuns& d = drills[e.drill_id];
    if (ParseKind(e.kind) == EventKind::kRunStarted) {
      // From here on only this run can be the latest (until another one starts).
      std::erase_if(d.events, [&](const auto& entry) { return entry.first != run; });
      d.started = run;
    } else if (!d.started.empty() && run != d.started) {
      return true;  // an earlier run's late event: not the latest run
    }
    d.last_named = run;
    d.events[run].push_back(e);
    return true;
  });
  if (!st) return st.error();
  std::map<std::string, LatestRun> out;
  DrillSourceCache cache;
  for (auto& [drill_id, d] : drills) {
    const std::string& latest = d.started.empty() ? d.last_named : d.started;
    auto it = d.events.find(latest);
    if (it == d.events.end()) continue;
    RunFacts facts =
        DeriveRunFacts(it->second, &cache, TimelineDetail::kNone, DrillDetail::kFactsOnly);
    out[drill_id] = LatestRun{latest, facts.outcome};
    d.events.clear();  // free as we go
  }
  return out;
}

}  // namespace firedrill
