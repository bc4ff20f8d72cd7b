// `firedrill publish`: a drill run's postmortem published where the team writes postmortems
// (Confluence), created the first time and updated in place after, with the outcome recorded.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill publish ID --confluence URL --space KEY`: the postmortem of a drill's latest run
/// (or --run RUN) as a Confluence page in storage format.
Command PublishCommand();

}  // namespace firedrill
