// `firedrill serve`: the daemon, with its listen address, TLS and webhook secrets from the command
// line.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill serve`: runs the daemon in the foreground until SIGINT or SIGTERM.
Command ServeCommand();

}  // namespace firedrill
