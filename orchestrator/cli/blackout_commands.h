// Declared blackouts: periods in which no drill may run (release freeze, holidays).
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill blackout add`: declares a blackout for every drill of the state directory (through
/// the daemon when one serves it).
Command BlackoutAddCommand();
/// `firedrill blackout list`: the declared blackouts that are not over.
Command BlackoutListCommand();

}  // namespace firedrill
