// The scheduling commands: schedule, list, cancel, status, brief. They talk to the daemon when one
// serves the state directory (or FIREDRILL_API names one), and work on the state directory
// directly otherwise.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill schedule FILE`: records the drill, writes its invite, lets the daemon run it.
Command ScheduleCommand();
/// `firedrill list`: the scheduled drills, soonest first.
Command ListCommand();
/// `firedrill cancel ID --reason TEXT`: cancels a scheduled drill and its invite.
Command CancelCommand();
/// `firedrill status [ID]`: one drill's schedule and runs, or what runs now.
Command StatusCommand();
/// `firedrill brief ID --by NAME`: records the playbook briefing.
Command BriefCommand();

}  // namespace firedrill
