// Where a fault's commands run. Every built-in fault acts only through this interface (shell
// commands with timeouts), so a fault behaves the same on a local target and, later, over SSH.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/expected.h"

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

/// Runs shell commands on one target. Implementations must be safe to call from any single
/// thread at a time (the engine calls them from its blocking-work pool).
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  /// Runs `command` with /bin/sh -c, stdin closed. On timeout the whole process group is killed
  /// (SIGTERM, then SIGKILL after 1 s). Returns an Error only if the command could not be started
  /// at all; a non-zero exit or a timeout is a CommandResult.
  virtual Expected<CommandResult> Run(const std::string& command, Duration timeout) = 0;
  /// A name for messages and records: "local" or "user@host:port".
  virtual std::string Describe() const = 0;
};

/// Returns a one-line summary for errors: "exit 3: <first line of stderr>" (the first non-empty
/// line of stderr, else of stdout, else just "exit 3") or "timed out after 5s".
std::string SummarizeFailure(const CommandResult& result, Duration timeout);

}  // namespace firedrill
