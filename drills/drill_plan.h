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
  SysTime inject_at;
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
};

/// Returns the plan of a loaded (valid) drill. Pure.
DrillPlan PlanDrill(const Drill& drill);

}  // namespace firedrill
