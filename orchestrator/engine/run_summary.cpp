#include "orchestrator/engine/run_summary.h"

#include <fmt/format.h>

#include "drills/zoned_time.h"

namespace firedrill {
namespace {

std::string Measured(const std::optional<Duration>& d) {
  return d ? FormatDuration(*d) : std::string("not reached");
}

// The recovery time that counts: probe-confirmed when there are probes, else the team's mark.
std::optional<Duration> Ttr(const Drill& drill, const RunTimings& t) {
  return drill.probes.empty() ? t.ttr_human : t.ttr_probe;
}

}  // namespace

std::string ObjectiveVerdict(const std::optional<Duration>& measured,
                             const std::optional<Duration>& objective) {
  if (!objective) return "no objective";
  if (!measured)
    return fmt::format("missed (not reached; objective {})", FormatDuration(*objective));
  if (*measured <= *objective) {
    return fmt::format("met ({} <= {})", FormatDuration(*measured), FormatDuration(*objective));
  }
  return fmt::format("missed ({} > {})", FormatDuration(*measured), FormatDuration(*objective));
}

std::string SummaryText(const Drill& drill, const RunTimings& t) {
  if (!t.t0) return fmt::format("No fault was injected ({}).\n", t.end_reason);
  std::string ttr =
      t.auto_restored ? std::string("not recovered within the window") : Measured(Ttr(drill, t));
  std::string out = fmt::format("Summary of drill {} (T0 = {})\n", drill.id, FormatUtc(*t.t0));
  if (t.ttd_alert) {
    out += fmt::format("  TTD (alert)          {:<32} {}\n", Measured(t.ttd_alert),
                       ObjectiveVerdict(t.ttd_alert, drill.objectives.detect_within));
  }
  out += fmt::format("  TTD (human ack)      {:<32} {}\n", Measured(t.ttd_human),
                     ObjectiveVerdict(t.ttd_human, drill.objectives.detect_within));
  out += fmt::format(
      "  TTR (probes)         {:<32} {}\n",
      drill.probes.empty() ? "no probes" : (t.auto_restored ? ttr : Measured(t.ttr_probe)),
      drill.probes.empty() ? ""
                           : ObjectiveVerdict(t.auto_restored ? std::nullopt : t.ttr_probe,
                                              drill.objectives.recover_within));
  out += fmt::format("  TTR (team's mark)    {}\n", Measured(t.ttr_human));
  out += fmt::format(
      "  recovered by         {}\n",
      t.auto_restored ? "firedrill's auto-restore (the team did not recover in time)" : "the team");
  out += fmt::format("  ended because        {}\n", t.end_reason);
  return out;
}

}  // namespace firedrill
