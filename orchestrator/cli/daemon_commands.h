// The scheduling commands: schedule, cancel, brief (list and status are listing_commands.h). They
// talk to the daemon when one serves the state directory (or FIREDRILL_API names one), and work
// on the state directory directly otherwise.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill schedule FILE`: records the drill, writes its invite, lets the daemon run it.
Command ScheduleCommand();
/// `firedrill cancel ID --reason TEXT`: cancels a scheduled drill and its invite.
Command CancelCommand();
/// `firedrill brief ID --by NAME`: records the playbook briefing.
Command BriefCommand();

}  // namespace firedrill
