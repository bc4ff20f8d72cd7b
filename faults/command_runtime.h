// The runtime of the command fault: the drill's own shell commands.
#pragma once

#include <memory>

#include "faults/fault.h"

namespace firedrill {

/// Returns the runtime of command. Each command runs as `shell -c COMMAND` (the `shell`
/// parameter; plain /bin/sh needs no wrapper) with the `timeout` parameter.
///
/// - Prepare: runs nothing; the state is {} (the commands are in the drill file).
/// - Inject: runs `inject`; a non-zero exit or a timeout is an Error ("inject command failed:
///   exit 3: <first stderr line>").
/// - Check: with `check`, runs it: exit 0 = in place (true), another exit = not in place (false),
///   while a timeout or exit 126/127 (the check could not run) is an Error, since it says nothing
///   about the fault. Without `check`, returns true: the inject command's exit 0 is the only
///   evidence there is. Such a fault cannot be verified as restored by Check, so Checkable()
///   returns false for it: the restore command's exit 0 is all the verification there is.
/// - Restore: runs the fault's common `restore` key (FaultSpec::restore_command, which the loader
///   requires for this kind); a non-zero exit or a timeout is an Error with the exit code and
///   first stderr line. Idempotent only if that command is.
/// - ManualRestore: the restore command.
std::unique_ptr<Fault> MakeCommandFault();

}  // namespace firedrill
