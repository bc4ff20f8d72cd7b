// The runtime of process.pause: freeze the selected processes with SIGSTOP, thaw them with
// SIGCONT.
#pragma once

#include <memory>

#include "faults/fault.h"

namespace firedrill {

/// Returns the runtime of process.pause. All of it acts through the target's shell.
///
/// - Prepare: resolves the selector like process.kill and refuses the same way; also refuses a
///   process that is already stopped (its restore would wake a process the drill did not stop).
///   State: {"processes": [{pid, start_time, cmdline, cwd}, ...]}.
/// - Inject: `kill -s STOP` each process, then waits briefly until they show as stopped.
/// - Check: true iff every original process is alive and in state T (stopped).
/// - Restore: `kill -s CONT` each original process still alive (gone ones are ignored), then waits
///   briefly until none shows as stopped. Idempotent.
/// - ManualRestore: `kill -s CONT PID...`.
///
/// A stopped process stays stopped if firedrill dies mid-drill; nothing on the target undoes it.
/// That is why the engine records the state before injecting and its crash recovery restores
/// from that record.
std::unique_ptr<Fault> MakeProcessPauseFault();

}  // namespace firedrill
