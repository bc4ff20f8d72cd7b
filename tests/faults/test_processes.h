// Real processes for the process-fault runtime tests: a copy of sleep under a unique name (so
// `pgrep -x` finds only this test's processes), started and always killed by the test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace firedrill::testing {

/// Returns true iff `done()` holds before `timeout` passes, polling every few milliseconds.
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Returns the pid written in `file` (a pidfile), or 0 if it cannot be read.
pid_t ReadPid(const std::filesystem::path& file);

/// Returns the state letter of /proc/PID/stat ('S', 'T', 'Z', ...), or 0 if there is no such
/// process.
char ProcessState(pid_t pid);

/// True iff `pid` exists and is not a zombie.
bool IsRunning(pid_t pid);

/// Owns a temp directory holding a copy of /bin/sleep named "fd-test-XXXXXX" and every process
/// running that copy. The destructor kills them all (by pid) and reaps its own children, so a
/// failing test leaves nothing behind.
class TestProcesses {
 public:
  TestProcesses();
  ~TestProcesses();
  TestProcesses(const TestProcesses&) = delete;
  TestProcesses& operator=(const TestProcesses&) = delete;

  /// The unique process name (at most 15 characters, as /proc/PID/comm keeps).
  const std::string& name() const { return name_; }
  /// The full path of the sleep copy.
  std::string binary() const { return binary_.string(); }
  /// The temp directory, for pidfiles and marker files.
  const std::filesystem::path& dir() const { return dir_.path(); }

  /// Starts `binary() 300` as a child in its own process group; returns its pid.
  pid_t StartSleeper();
  /// Starts `/bin/sh -c script` as a child in its own process group; returns its pid.
  pid_t StartShell(const std::string& script);
  /// Kills child `pid` with SIGKILL and reaps it, as if it crashed on its own.
  void KillAndReap(pid_t pid);
  /// Reaps every child that has exited (so killed children do not linger as zombies).
  void ReapExited();
  /// Returns the pids of live (not zombie) processes running the sleep copy, sorted.
  std::vector<pid_t> Running() const;

 private:
  pid_t Spawn(const std::vector<std::string>& argv);

  TempDir dir_;
  std::string name_;
  std::filesystem::path binary_;
  std::vector<pid_t> children_;
};

}  // namespace firedrill::testing
