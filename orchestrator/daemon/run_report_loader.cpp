#include "orchestrator/daemon/run_report_loader.h"

#include <fmt/format.h>

#include "drills/zoned_time.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

Expected<std::optional<RunReport>> LoadRunReport(Database& db, const std::string& id,
                                                 const std::optional<std::string>& run, SysTime now,
                                                 const std::optional<ChainStatus>* known) {
  auto events = LoadRunEvents(db, id, run);
  if (!events.ok()) return events.error();
  if (events->empty()) return std::optional<RunReport>();
  RunReport report;
  report.facts = DeriveRunFacts(*events);
  report.events = std::move(*events);
  if (auto rec = DrillTable(db).GetDrill(report.facts.drill_id); rec.ok() && *rec) {
    report.drill = **rec;
  }
  report.postmortem = PostmortemMarkdown(report.facts, report.drill);
  report.generated = now;
  if (known != nullptr) {
    report.verified = *known && (*known)->ok;
    report.verification =
        *known ? fmt::format("{} (checked at {}; the daemon checks again after each run)",
                             (*known)->text, FormatUtc((*known)->at))
               : std::string("The record's hash chain is being checked; reload in a moment.");
    return std::optional<RunReport>(std::move(report));
  }
  auto chain = EventLog(db).Verify();
  if (!chain.ok()) return chain.error();
  report.verified = chain->ok;
  report.verification =
      chain->ok
          ? fmt::format(
                "The event chain of the whole record verifies ({} events; head hash {}). "
                "Checkpoints and witnesses: firedrill records verify.",
                chain->events_checked, Hex(chain->head_hash))
          : fmt::format("THE RECORD DOES NOT VERIFY: {} (firedrill records verify says more).",
                        chain->problem);
  return std::optional<RunReport>(std::move(report));
}

}  // namespace firedrill
