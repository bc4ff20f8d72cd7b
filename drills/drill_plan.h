// The timeline of a drill, computed from its file: when it must be announced, when each fault
// goes in, when auto-restore begins, and when firedrill gives up on a failing restore.
#pragma once

#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

struct PlannedFault {
  std::string id;
  std::string kind;
  std::string target;
  SysTime inject_at;  ///< window start + delay: the earliest it goes in
  /// inject_at + the largest random offset of a `[wheel]` (inject_within); == inject_at without.
  SysTime latest_inject_at;
  /// On the wheel: injected only if drawn. The plan never says which will be.
  bool on_wheel = false;
  Duration restore_timeout{0};
};

struct DrillPlan {
  SysTime announce_by;  ///< window start − announce.lead
  SysTime window_start;
  SysTime window_end;
  std::vector<PlannedFault> faults;  ///< in injection order
  /// How long restoring every fault may take: the faults' restore timeouts added up, except
  /// that the members of a fan-out group (one fault on several targets) are restored `parallel`
  /// at a time, so a group counts its longest timeout once per round.
  Duration restore_budget{0};
  SysTime restore_at;  ///< window end − restore budget: auto-restore begins
  SysTime give_up_at;  ///< window end + grace: restore retries stop
  /// With `[wheel]`: what is left to chance, without the choice (DescribeWheel); else empty. The
  /// restore budget counts every fault, drawn or not, and a valid drill has every
  /// latest_inject_at before restore_at.
  std::string wheel;
};

/// Returns the plan of a loaded (valid) drill. Pure.
DrillPlan PlanDrill(const Drill& drill);

}  // namespace firedrill
