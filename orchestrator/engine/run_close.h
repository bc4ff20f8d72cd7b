// The end of a run: what it measured, who recovered, what (if anything) is still in place, the
// summary on screen and the postmortem draft.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"

namespace firedrill {

/// A fault the restore could not undo, with why and how to undo it by hand.
using UnrestoredEntry = std::pair<LedgerEntry, RestoreResult>;

/// A dead man's switch still armed on a target for a fault left in place: it undoes the fault by
/// itself at `fires_at`, if the target can run it.
struct ArmedSwitch {
  std::string fault;
  std::string target;
  SysTime fires_at;
};

/// Closes the run: with faults `remaining`, records `restore-incomplete` (listing each with its
/// manual undo), prints them and returns kExitRestoreIncomplete; otherwise records `run-ended`
/// (who recovered, TTD/TTR), prints the summary, writes the postmortem draft to
/// `state_dir/postmortems/RUN.md` and returns kExitAborted for an aborted run, else kExitOk.
boost::asio::awaitable<int> CloseRun(RunState& run, RunRecorder& recorder,
                                     const RunOptions& options,
                                     std::vector<UnrestoredEntry> remaining,
                                     std::vector<ArmedSwitch> armed = {});

}  // namespace firedrill
