#include "orchestrator/report/run_summary.h"

#include <fmt/format.h>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/report/metrics.h"

namespace firedrill {
namespace {

// "met (3s <= 5m)", "missed (7m > 5m)", "not reached", "no objective".
std::string Judged(const Metric& m) {
  switch (m.verdict) {
    case Verdict::kMet:
      return fmt::format("met ({} <= {})", FormatDuration(*m.measured),
                         FormatDuration(*m.objective));
    case Verdict::kMissed:
      return fmt::format("missed ({} > {})", FormatDuration(*m.measured),
                         FormatDuration(*m.objective));
    case Verdict::kNoObjective:
      return "no objective";
    case Verdict::kNotReached:
      return m.objective
                 ? fmt::format("missed (not reached; objective {})", FormatDuration(*m.objective))
                 : std::string("not reached");
  }
  return "";
}

}  // namespace

std::string RunSummaryText(const RunFacts& f) {
  if (!f.t0) {
    return fmt::format("No fault was injected ({}).\n{}\n",
                       f.abort_reason.empty() ? OutcomeName(f.outcome) : f.abort_reason,
                       f.outcome_text);
  }
  std::string out = fmt::format("Summary of drill {} (T0 = {})\n", f.drill_id, FormatUtc(*f.t0));
  for (const Metric& m : RunMetrics(f)) {
    std::string measured = m.measured ? FormatDuration(*m.measured)
                                      : (m.note.empty() ? std::string("not reached") : m.note);
    out += fmt::format("  {:<22} {:<40} {}\n", m.name, measured,
                       m.measured || m.objective ? Judged(m) : std::string());
  }
  out += fmt::format("  {:<22} {}\n", "recovered by", RecoveredByText(f.outcome));
  out += fmt::format("  {:<22} {}\n", "outcome", OutcomeName(f.outcome));
  out += fmt::format("  {:<22} {}\n", "ended because",
                     f.abort_reason.empty() ? std::string(kWindowEndReason) : f.abort_reason);
  out += "\n" + f.outcome_text + "\n";
  return out;
}

}  // namespace firedrill
