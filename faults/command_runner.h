// Where a fault's commands run. Every built-in fault acts only through this interface (shell
// commands with timeouts), so a fault behaves the same on a local target and over SSH. Running a
// command is a coroutine on the awaiting coroutine's executor: no thread waits for a command.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/process_identity.h"

namespace firedrill {

/// The outcome of one command that ran (it may have failed or timed out).
struct CommandResult {
  int exit_code = -1;      ///< the exit code, or 128+signal if it was killed by a signal
  bool timed_out = false;  ///< true iff the timeout expired and the process group was killed
  std::string out;         ///< stdout, truncated to kMaxCapturedOutput
  std::string err;         ///< stderr, truncated to kMaxCapturedOutput
  bool ok() const { return !timed_out && exit_code == 0; }
};

/// Output beyond this many bytes per stream is dropped (and the text says so).
inline constexpr std::size_t kMaxCapturedOutput = 64 * 1024;

/// What a caller may hook into one Run.
struct RunHooks {
  /// When set, the command starts behind a gate (see gated_command.h): the runner starts a
  /// wrapper in a process group of its own, learns its identity, awaits `on_started(identity)`
  /// on the caller's executor (the engine writes the identity durably there) and only then lets
  /// the command run. If it returns an Error, the command never runs and Run returns an Error
  /// saying so. Called at most once per Run.
  std::function<boost::asio::awaitable<Status>(const ProcessIdentity&)> on_started;
};

/// Runs shell commands on one target. Run is a coroutine that must be awaited from an executor
/// that runs one handler at a time (an io_context run by one thread, or a strand); it may be
/// awaited by several coroutines at once.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;

  /// Runs `command` with /bin/sh -c, stdin closed, in a process group of its own. On timeout
  /// the whole process group is killed (SIGTERM, then SIGKILL after 1 s). Returns an Error only
  /// if the command could not be started at all, the connection to the target broke, or (with
  /// `hooks.on_started`) the gate stayed closed; a non-zero exit or a timeout is a
  /// CommandResult. With a gate, `timeout` counts from the moment the command was let through.
  boost::asio::awaitable<Expected<CommandResult>> Run(std::string command, Duration timeout,
                                                      RunHooks hooks = {}) {
    return Execute(std::move(command), timeout, std::move(hooks));
  }

  /// A name for messages and records: "local" or "user@host:port".
  virtual std::string Describe() const = 0;

 protected:
  /// Implements Run (same contract).
  virtual boost::asio::awaitable<Expected<CommandResult>> Execute(std::string command,
                                                                  Duration timeout,
                                                                  RunHooks hooks) = 0;
};

/// Returns a one-line summary for errors: "exit 3: <first line of stderr>" (the first non-empty
/// line of stderr, else of stdout, else just "exit 3") or "timed out after 5s".
std::string SummarizeFailure(const CommandResult& result, Duration timeout);

}  // namespace firedrill
