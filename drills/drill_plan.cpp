#include "drills/drill_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "drills/wheel.h"

namespace firedrill {

DrillPlan PlanDrill(const Drill& drill) {
  DrillPlan plan;
  plan.window_start = drill.window.start;
  plan.window_end = drill.window.end;
  plan.announce_by = drill.window.start - drill.announce.lead;
  // Restore undoes fan-out groups one after the other, each `parallel` members at a time: a
  // group takes (rounds of `parallel`) x (its longest restore_timeout).
  struct Group {
    std::size_t members = 0;
    int parallel = 1;
    Duration longest{0};
  };
  std::map<std::string, Group> groups;
  std::set<std::string> on_wheel;
  Duration max_offset{0};
  if (drill.wheel) {
    on_wheel.insert(drill.wheel->faults.begin(), drill.wheel->faults.end());
    max_offset = drill.wheel->inject_within;
    plan.wheel = DescribeWheel(drill);
  }
  for (const FaultSpec& f : drill.faults) {
    const SysTime at = drill.window.start + f.delay;
    const std::string& group = f.group.empty() ? f.id : f.group;
    plan.faults.push_back({f.id, f.kind, f.target, at, at + max_offset, on_wheel.count(group) != 0,
                           f.restore_timeout});
    Group& g = groups[f.group.empty() ? f.id : f.group];
    ++g.members;
    g.parallel = std::max(1, f.parallel);
    g.longest = std::max(g.longest, f.restore_timeout);
  }
  for (const auto& [name, g] : groups) {
    const auto rounds =
        static_cast<Duration::rep>((g.members + static_cast<std::size_t>(g.parallel) - 1) /
                                   static_cast<std::size_t>(g.parallel));
    plan.restore_budget += g.longest * rounds;
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
