// The measurements of one run against the drill's objectives, with their definitions, and the
// error-budget context of an availability objective. Pure: computed from RunFacts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/report/run_facts.h"

namespace firedrill {

/// How a measurement compares with its objective.
enum class Verdict {
  kMet,          ///< measured <= objective
  kMissed,       ///< measured > objective
  kNotReached,   ///< nothing measured (no alert, nobody acked, not recovered)
  kNoObjective,  ///< measured, but the drill sets no objective for it
};

/// Returns "met", "missed", "not reached" or "no objective".
std::string VerdictName(Verdict v);

/// Returns FormatDuration(*d), or "—" when `d` is unset: a duration cell of a report.
std::string DurationOrDash(const std::optional<Duration>& d);

/// Returns the verdict of `measured` against `objective`. A missing measurement is "not reached"
/// whether or not there is an objective.
Verdict Judge(const std::optional<Duration>& measured, const std::optional<Duration>& objective);

/// One metric of a run.
struct Metric {
  std::string key;         ///< "ttd_alert", "ttd_human", "ttr_probe", "ttr_team"
  std::string name;        ///< "TTD (alert)", ...
  std::string definition;  ///< how it is measured, one sentence
  std::optional<Duration> measured;
  std::optional<Duration> objective;
  Verdict verdict = Verdict::kNotReached;
  std::string note;  ///< why nothing was measured, when that needs saying; else empty
};

/// The definition of T0, printed above the metrics.
extern const char kT0Definition[];

/// Returns TTD (alert), TTD (human), TTR (probe-confirmed) and TTR (team mark), in that order.
/// TTDs are judged against `detect_within`, TTRs against `recover_within`. A run the team did
/// not recover has no TTR: both TTRs are then unmeasured (a team mark the probes did not confirm
/// is mentioned in the note, never reported as a TTR).
std::vector<Metric> RunMetrics(const RunFacts& facts);

/// The TTR that counts for a run: probe-confirmed when the drill has probes (or its probes are
/// unknown), else the team's mark; nullopt unless the team recovered.
std::optional<Duration> CountedTtr(const RunFacts& facts);

/// The error budget of the drill's availability objective, and how much of it the run used.
struct ErrorBudget {
  double availability = 0;       ///< percent, e.g. 99.9
  Duration period{0};            ///< slo_period
  Duration budget{0};            ///< (1 - availability/100) x period
  bool impact_measured = false;  ///< false when the drill has no probes
  Duration impact{0};            ///< time at least one probe was red
  double consumed_percent = 0;   ///< impact / budget x 100
};

/// Returns the error budget when the drill is known and sets `objectives.availability`.
std::optional<ErrorBudget> ErrorBudgetOf(const RunFacts& facts);

}  // namespace firedrill
