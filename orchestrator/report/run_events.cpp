#include "orchestrator/report/run_events.h"

#include "orchestrator/report/run_facts.h"

namespace firedrill {

Expected<std::vector<Event>> LoadRunEvents(Database& db, const std::string& id,
                                           const std::optional<std::string>& run) {
  EventLog log(db);
  auto filter = [](const std::vector<Event>& all, const std::string& run_id) {
    std::vector<Event> out;
    for (const Event& e : all) {
      if (RunIdOf(e) == run_id) out.push_back(e);
    }
    return out;
  };
  auto events = log.ForDrill(id);
  if (!events.ok()) return events.error();
  if (!events->empty()) {
    std::optional<std::string> run_id = run ? run : LatestRunId(*events);
    if (!run_id) return std::vector<Event>{};
    return filter(*events, *run_id);
  }
  if (run) return std::vector<Event>{};
  // A run id: "<drill id>-<number>", as the engine names runs.
  auto dash = id.rfind('-');
  if (dash == std::string::npos || dash == 0) return std::vector<Event>{};
  auto of_drill = log.ForDrill(id.substr(0, dash));
  if (!of_drill.ok()) return of_drill.error();
  return filter(*of_drill, id);
}

}  // namespace firedrill
