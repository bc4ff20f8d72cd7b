// Subcommands that act: run one drill in the foreground, and recover after a crash.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill run FILE`: the whole drill in the foreground.
Command RunCommand();
/// `firedrill recover`: restores every fault the ledger says may still be in place.
Command RecoverCommand();

}  // namespace firedrill
