// The commands that show the schedule: list and status. They ask the daemon when one serves the
// state directory (or FIREDRILL_API names one), and read the state directory directly otherwise.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill list`: the scheduled drills, soonest first.
Command ListCommand();
/// `firedrill status [ID]`: one drill's schedule and runs, or what runs now.
Command StatusCommand();

}  // namespace firedrill
