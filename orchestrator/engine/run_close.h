// The end of a run: what it measured, who recovered, what (if anything) is still in place, the
// summary on screen and the postmortem draft.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"

namespace firedrill {

/// A fault the restore could not undo, with why and how to undo it by hand.
using RemainingFault = std::pair<LedgerEntry, RestoreResult>;

/// Closes the run: with faults `remaining`, records `restore-incomplete` (listing each with its
/// manual undo), prints them and returns kExitRestoreIncomplete; otherwise records `run-ended`
/// (who recovered, TTD/TTR), prints the summary, writes the postmortem draft to
/// `state_dir/postmortems/RUN.md` and returns kExitAborted for an aborted run, else kExitOk.
int CloseRun(RunState& run, RunRecorder& recorder, const RunOptions& options,
             const std::vector<RemainingFault>& remaining);

}  // namespace firedrill
