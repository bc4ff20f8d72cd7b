// Subcommands that talk to a running drill through its control endpoint (docs/control-api.md):
// acknowledge detection or recovery, and abort.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill ack detected|recovered`: records that the on-call team detected the incident or
/// considers the service recovered, with who and when.
Command AckCommand();
/// `firedrill abort --reason TEXT`: asks a running drill to abort and restore everything.
Command AbortCommand();

}  // namespace firedrill
