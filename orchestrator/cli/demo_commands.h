// `firedrill demo`: a whole drill on this machine against a bundled service, in about a minute.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill demo [--responder fix|idle]`.
Command DemoCommand();
/// `firedrill demo-service`: the bundled HTTP service the demo breaks (started by the demo).
Command DemoServiceCommand();

}  // namespace firedrill
