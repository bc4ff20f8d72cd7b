// The preflight checks that need no target: may this drill inject now, as far as the team's
// monitoring, the announcement and the briefing are concerned? Pure: the engine records the
// verdict.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drills/drill.h"
#include "drills/drill_plan.h"
#include "orchestrator/alerts/alert_payload.h"

namespace firedrill {

/// What the run knows when it is about to inject.
struct AdmissionFacts {
  /// Alerts firing now as the caller knows them; unset when no alerts reach the run (a drill run
  /// by hand), which makes alert guards unenforceable.
  std::optional<std::vector<Alert>> firing;
  std::optional<SysTime> announced_at;  ///< when the window was announced; unset: not checked
  std::string lead_override;            ///< why a late announcement may pass ("" : it may not)
  /// The briefing recorded for this window, if any: who and when.
  std::optional<std::pair<std::string, SysTime>> briefing;
  /// The freeze that holds on the state directory, described (DescribeFreeze); unset: none.
  std::optional<std::string> freeze;
};

/// The verdict: every reason to refuse (empty: admitted), and, when a late announcement passes
/// on an override, what was overridden (for the `announce-overridden` event).
struct Admission {
  std::vector<std::string> problems;
  std::optional<std::string> lead_overridden;
};

/// Refuses while a freeze holds (a real incident, or `firedrill freeze`), when an alert matching
/// the drill's detection already fires (the system is not in a steady state), when an alert guard's
/// alert already fires, when an alert guard cannot trip (no alerts reach the run), when the window
/// was announced less than `announce.lead` before it (unless overridden), and when
/// `briefing_required` and no briefing is recorded. Each reason names what to do about it.
Admission CheckAdmission(const Drill& drill, const AdmissionFacts& facts);

/// What a run started at `now` does before it contacts any target: refuses at once (the window
/// is over or too close to its end), or waits until `inject_at` and then decides by
/// CheckAdmission with `facts` (the same function the engine applies at injection). One
/// decision for `firedrill run`, the daemon and `firedrill plan`, which reports it.
struct StartVerdict {
  /// Set when the run is refused at once: why.
  std::optional<std::string> refused_now;
  /// When the first fault is due (the run waits until then when it is later than `now`).
  SysTime inject_at;
  /// What CheckAdmission says with `facts` (the targets, probes and fault preconditions are
  /// only known at injection).
  Admission at_injection;
};

/// Decides what a run of `drill` (planned as `plan`) started at `now` does, with `facts` as the
/// run will know them. Pure.
StartVerdict CheckStart(const Drill& drill, const DrillPlan& plan, SysTime now,
                        const AdmissionFacts& facts);

}  // namespace firedrill
