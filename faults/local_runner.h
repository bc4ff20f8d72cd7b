// Runs a fault's shell commands on the machine firedrill itself runs on.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// A CommandRunner for the local target: `/bin/sh -c COMMAND` as a child of this process (through
/// Boost.Process), in a process group of its own, stdin closed, stdout and stderr read through
/// pipes on the awaiting coroutine's executor, its exit seen through a pidfd. Stateless, so one
/// instance may be shared by any number of concurrent Runs.
///
/// Every child gets PR_SET_PDEATHSIG = SIGKILL, so its shell dies with this process. The kernel
/// ties that signal to the *thread* that forked, not the process: await Run from a long-lived
/// thread (the engine spawns from its event-loop thread, which lives as long as the process),
/// never from a thread that ends while the command runs.
class LocalRunner : public CommandRunner {
 public:
  /// Returns "local".
  std::string Describe() const override;

 protected:
  /// Runs `command` until it exits or `timeout` passes. The command is done when /bin/sh exits;
  /// background processes it leaves behind keep running (and holding its output open does not
  /// make Run wait for them beyond 200 ms). On timeout the whole process group gets SIGTERM, then
  /// SIGKILL after 1 s, and the shell is always reaped. Returns an Error only if /bin/sh could not
  /// be started, or the gate (RunHooks::on_started) stayed closed.
  boost::asio::awaitable<Expected<CommandResult>> Execute(std::string command, Duration timeout,
                                                          RunHooks hooks) override;
};

}  // namespace firedrill
