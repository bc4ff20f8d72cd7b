// The runtime of process.kill: signal the selected processes, then bring them back by running
// `start_command` or by waiting for their supervisor.
#pragma once

#include <memory>

#include "faults/fault.h"

namespace firedrill {

/// Returns the runtime of process.kill. All of it acts through the target's shell (pgrep, /proc,
/// kill), so it works on any target a CommandRunner reaches.
///
/// - Prepare: resolves the selector (pidfile: the pid in it must be alive; name: `pgrep -x`;
///   cmdline: `pgrep -f`); refuses when nothing matches, or several match and `all` is false.
///   State: {"processes": [{pid, start_time, cmdline, cwd}, ...]}.
/// - Inject: `kill -s SIGNAL` each process, skipping any whose pid now belongs to another process
///   (the start time differs).
/// - Check: true iff none of the original processes is alive and no process matches the selector
///   (a restart by a supervisor or start_command ends the fault).
/// - Restore: succeeds at once if a process matching the selector runs (idempotent). Otherwise
///   runs `start_command` detached (setsid, output discarded, in the killed process's working
///   directory when it was readable) or, without one, relies on a supervisor; then waits up to
///   `restart_within` for a matching process, and fails if none appears.
/// - ManualRestore: the start_command, or a reminder to restart it with the service manager.
std::unique_ptr<Fault> MakeProcessKillFault();

}  // namespace firedrill
