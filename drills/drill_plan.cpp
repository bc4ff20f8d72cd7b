#include "drills/drill_plan.h"

#include <algorithm>

namespace firedrill {

DrillPlan PlanDrill(const Drill& drill) {
  DrillPlan plan;
  plan.window_start = drill.window.start;
  plan.window_end = drill.window.end;
  plan.announce_by = drill.window.start - drill.announce.lead;
  for (const FaultSpec& f : drill.faults) {
    plan.faults.push_back(
        {f.id, f.kind, f.target, drill.window.start + f.delay, f.restore_timeout});
    plan.restore_budget += f.restore_timeout;
  }
  // Stable: faults with the same delay keep file order, which is also their injection order.
  std::stable_sort(
      plan.faults.begin(), plan.faults.end(),
      [](const PlannedFault& a, const PlannedFault& b) { return a.inject_at < b.inject_at; });
  plan.restore_at = drill.window.end - plan.restore_budget;
  plan.give_up_at = drill.window.end + drill.window.grace;
  return plan;
}

}  // namespace firedrill
