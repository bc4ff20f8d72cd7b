// Subcommands that read drill files: validate and plan. They never touch the state directory.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill validate FILE...`: every problem of every file as FILE:LINE:COL: message.
Command ValidateCommand();

/// `firedrill plan FILE [--ics OUT.ics [--sequence N] [--cancel]]`: the drill's timeline in its
/// zone and UTC; with --ics, also writes its calendar invite (orchestrator/announce/icalendar.h).
Command PlanCommand();

}  // namespace firedrill
