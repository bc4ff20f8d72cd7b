// What the end-to-end tests share: the real firedrill binary as a child process, polling for a
// condition, and reading the events a run recorded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/store/event_log.h"

namespace firedrill::testing {

/// The firedrill binary (FIREDRILL_BIN) as a child process with `args`, stdout and stderr both
/// in `dir`/out.txt. Killed (SIGKILL) and reaped at scope exit unless Wait() reaped it.
class Firedrill {
 public:
  /// With `sigterm_pending`, the child starts with a SIGTERM already pending (blocked when it
  /// execs firedrill): the signal a process receives the instant it starts.
  Firedrill(const std::filesystem::path& dir, std::vector<std::string> args,
            bool sigterm_pending = false);
  ~Firedrill();
  Firedrill(const Firedrill&) = delete;
  Firedrill& operator=(const Firedrill&) = delete;

  /// Sends `sig` to the child.
  void Signal(int sig);
  /// Waits for the exit status (or the signal number + 128).
  int Wait();
  /// The exit status (as Wait) if the child has ended, else -1; never blocks.
  int TryWait();
  /// Everything the child printed so far.
  std::string Output() const;

 private:
  std::filesystem::path out_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
};

/// Polls `cond` every 50 ms until it holds or `limit` passes; returns whether it held.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

/// The events recorded for `drill_id` in the state dir `state`, in order; empty until a run has
/// created its records.
std::vector<Event> EventsOf(const std::filesystem::path& state,
                            const std::string& drill_id = "e2e");

/// The kinds of the events recorded for `drill_id` in the state dir `state`, in order; empty
/// until a run has created its records.
std::vector<std::string> EventKinds(const std::filesystem::path& state,
                                    const std::string& drill_id = "e2e");

/// The outcome (OutcomeName) of the latest run of `drill_id` in `state`, as every report derives
/// it from the records; "" when there is none.
std::string RunOutcomeOf(const std::filesystem::path& state, const std::string& drill_id = "e2e");

/// Whether `v` holds `s`.
bool Has(const std::vector<std::string>& v, const std::string& s);

/// The state letter of process `pid` in /proc (R, S, T, Z...), or 0 if it is gone.
char ProcState(pid_t pid);

}  // namespace firedrill::testing
