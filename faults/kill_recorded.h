// Killing what is left of a command whose identity was recorded before it started (a gated
// inject, see gated_command.h), e.g. after the orchestrator died mid-inject: `recover` calls this
// before it restores and checks a fault whose ledger row still says "injecting", so that no
// orphaned inject can put the fault back in place after the restore.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "drills/expected.h"
#include "faults/command_runner.h"
#include "faults/process_identity.h"

namespace firedrill {

/// What KillRecordedProcesses found and did.
struct KillReport {
  int found = 0;            ///< live processes of the recorded group before the kill
  bool gone = true;         ///< true iff none of them is left
  bool pid_reused = false;  ///< the pid belongs to another process now: nothing was touched
  bool rebooted = false;    ///< the target booted since: nothing of the group can be left

  /// Returns true iff something of the group was still running.
  bool was_running() const { return found > 0; }
  /// Returns e.g. "2 processes of the group were running and have been killed".
  std::string Describe() const;
};

/// Kills the process group `identity` names on `runner`'s target, if it is still the same one:
/// in the boot the identity was taken in, and either the leader still runs with the recorded
/// start time or (the leader gone) processes still carry the group id: a pid is never handed
/// out again while a group of that id exists, so those are the command's. A pid that now belongs
/// to another process (another start time) is never signalled. Sends SIGKILL to the whole group
/// and waits, polling briefly, up to 5 s until none of it is left. Runs as one shell command on
/// the target (the same for a local and an SSH target). Returns an Error when the command cannot
/// run, when `identity` is malformed or is not a group leader (pid != pgid), or when it was taken
/// on another target than `runner.Describe()`.
boost::asio::awaitable<Expected<KillReport>> KillRecordedProcesses(CommandRunner& runner,
                                                                   ProcessIdentity identity);

}  // namespace firedrill
