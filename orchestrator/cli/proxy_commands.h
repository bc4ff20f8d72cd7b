// `firedrill proxy`: a TCP proxy that delays data and resets connections. Useful on its own (a
// small toxiproxy) and what the network.latency-proxy fault starts on its target.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill proxy --listen HOST:PORT --upstream HOST:PORT [--latency D] [--jitter D]
/// [--reset-probability P] [--seed N] [--pid-file FILE] [--check]`.
Command ProxyCommand();

}  // namespace firedrill
