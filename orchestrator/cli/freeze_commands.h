// `firedrill freeze` and `firedrill unfreeze`: a lead stands every drill down at once ("stop
// everything now") and lets them run again, through the daemon's API (docs/freezes.md).
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill freeze --reason TEXT`: aborts every running drill (each restores everything) and
/// vetoes every injection until `firedrill unfreeze`.
Command FreezeCommand();
/// `firedrill unfreeze [--reason TEXT]`: ends the freeze that holds, whatever its cause.
Command UnfreezeCommand();

}  // namespace firedrill
