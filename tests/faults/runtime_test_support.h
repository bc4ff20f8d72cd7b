// Helpers for the fault-runtime tests, which act on the real system: a fault spec built like the
// loader builds it, a restore that runs however a test ends, and polling with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "faults/fault.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "tests/faults/test_params.h"

namespace firedrill::testing {

/// A mebibyte, for the sizes the disk and memory faults take.
inline constexpr std::uint64_t kMiB = 1024 * 1024;

/// Returns a fault of built-in kind `kind` with id `id`, its params built from `values`; fails
/// the test if the factory reports errors.
FaultSpec MakeSpec(const std::string& kind, const std::string& id, const Values& values);

/// Returns true iff the test runs as root (the kernel-changing tests need it).
bool IsRoot();

/// Polls `done` every 20 ms until it returns true or `timeout` passes; returns its last answer.
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Runs `command` locally and returns its result; fails the test if it could not be started.
CommandResult RunLocal(const std::string& command);

/// A LocalRunner whose commands find no programs on PATH, as on a target missing every tool.
class PathlessRunner : public CommandRunner {
 public:
  /// `empty_dir` becomes the whole PATH; it must stay empty.
  explicit PathlessRunner(std::string empty_dir) : empty_dir_(std::move(empty_dir)) {}
  /// Returns "local (no PATH)".
  std::string Describe() const override { return "local (no PATH)"; }

 protected:
  /// Runs `command` locally with PATH set to the empty directory.
  boost::asio::awaitable<Expected<CommandResult>> Execute(std::string command, Duration timeout,
                                                          RunHooks hooks) override;

 private:
  LocalRunner local_;
  std::string empty_dir_;
};

/// Calls Restore at scope exit, so a failing test still undoes its fault (Restore is idempotent).
class RestoreAtExit {
 public:
  /// Keeps references to `fault` and `ctx`, which must outlive this guard.
  RestoreAtExit(Fault& fault, const FaultContext& ctx, std::string state)
      : fault_(fault), ctx_(ctx), state_(std::move(state)) {}
  /// Restores the fault, ignoring the result (a destructor must not fail the test).
  ~RestoreAtExit() { (void)RunBlocking(fault_.Restore(ctx_, state_)); }
  RestoreAtExit(const RestoreAtExit&) = delete;
  RestoreAtExit& operator=(const RestoreAtExit&) = delete;

 private:
  Fault& fault_;
  const FaultContext& ctx_;
  std::string state_;
};

/// Sends SIGKILL to a process group at scope exit: the last resort should Restore itself fail.
class KillGroupAtExit {
 public:
  /// Remembers the group; values of 1 or less are ignored.
  explicit KillGroupAtExit(pid_t pgid) : pgid_(pgid) {}
  /// Sends SIGKILL to the group (harmless if it is gone).
  ~KillGroupAtExit();
  KillGroupAtExit(const KillGroupAtExit&) = delete;
  KillGroupAtExit& operator=(const KillGroupAtExit&) = delete;

 private:
  pid_t pgid_;
};

/// Returns the pids of processes whose environment holds exactly `entry` ("NAME=value").
std::vector<pid_t> PidsWithEnvironment(const std::string& entry);

/// Returns the live (not zombie) processes of process group `pgid`.
std::vector<pid_t> LiveProcessesInGroup(pid_t pgid);

/// Returns the one process holding environment `entry` that leads its own process group, after
/// checking that every other process holding it is in that group; fails the test otherwise.
pid_t GroupLeaderWithEnvironment(const std::string& entry);

/// Returns the process group of `pid`, or -1 if it is gone.
pid_t ProcessGroupOf(pid_t pid);

/// Returns the resident memory of `pid` in bytes (0 if it is gone).
std::uint64_t ResidentBytes(pid_t pid);

}  // namespace firedrill::testing
