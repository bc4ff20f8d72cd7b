// The daemon and scheduling commands: serve, schedule, list, cancel, status, brief. The
// scheduling commands talk to the daemon when one serves the state directory, and work on the
// state directory directly otherwise.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

Command ServeCommand();
Command ScheduleCommand();
Command ListCommand();
Command CancelCommand();
Command StatusCommand();
Command BriefCommand();
Command BlackoutAddCommand();
Command BlackoutListCommand();

}  // namespace firedrill
