// Runs a fault's shell commands on the machine firedrill itself runs on.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// A CommandRunner for the local target: `/bin/sh -c COMMAND` as a child of this process, in a
/// process group of its own, stdin closed, stdout and stderr captured. Stateless, so one instance
/// may be shared; each Run blocks its calling thread (never call it on an event loop thread).
class LocalRunner : public CommandRunner {
 public:
  /// Runs `command` until it exits or `timeout` passes. The command is done when /bin/sh exits;
  /// background processes it leaves behind keep running (and holding its output open does not
  /// make Run wait for them). On timeout the whole process group gets SIGTERM, then SIGKILL after
  /// 1 s, and the shell is always reaped. Returns an Error only if /bin/sh could not be started.
  Expected<CommandResult> Run(const std::string& command, Duration timeout) override;

  /// Returns "local".
  std::string Describe() const override;
};

}  // namespace firedrill
