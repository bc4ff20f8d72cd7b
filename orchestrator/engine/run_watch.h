// The active phase's watchers: health probes on their interval, recovery confirmed by probes,
// and guards (stop conditions) that abort the run when they trip.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/engine/engine_env.h"
#include "orchestrator/engine/run_clock.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/engine/runners.h"

namespace firedrill {

/// Watches one run while its faults are in place. Everything runs on `io`'s thread and waits
/// on the run's clock; probes are checked with `check`, command guards run on their target's
/// runner. All references must outlive the watcher, and the io_context must not be run after
/// the watcher is destroyed while loops are pending.
class RunWatch {
 public:
  RunWatch(boost::asio::io_context& io, RunState& run, RunRecorder& recorder,
           const RunnerMap& runners, const ProbeChecker& check)
      : io_(io), run_(run), rec_(recorder), runners_(runners), check_(check) {}

  /// Starts one loop per probe and per command guard. A probe that turns red (after
  /// `unhealthy_after` red checks) is recorded once; once every probe that went red is green
  /// again for `healthy_after` checks, `recovered` is recorded with the probe-confirmed TTR (a
  /// probe that never turned red does not hold it back). A
  /// probe guard trips when its probe stays red longer than `max_red`; a command guard trips
  /// when its command exits non-zero, times out (its interval is its timeout) or cannot start —
  /// a guard that cannot be evaluated is treated as tripped. A trip records `guard-tripped` and
  /// requests the abort.
  void Start();

  /// Stops every loop: sleeping loops wake at once and end, a check in flight ends after its own
  /// timeout. No event is recorded after this call.
  void Stop();

  /// Called (on the loop) when a loop ends with an exception, with where ("probe NAME", "guard
  /// NAME") and what; the loop is over. Unset, the exception is dropped.
  std::function<void(const std::string& where, const std::string& what)> on_failure;

 private:
  struct ProbeState {
    int reds = 0;    // consecutive
    int greens = 0;  // consecutive
    bool unhealthy = false;
    bool was_red = false;
    std::optional<SysTime> red_since;
  };

  boost::asio::awaitable<void> ProbeLoop(const Probe& p);
  boost::asio::awaitable<void> CommandGuardLoop(const Guard& g);
  void CheckProbeGuards(const Probe& p, const ProbeState& s);
  void Trip(const Guard& g, const std::string& why);
  // The completion of a loop: reports an exception to on_failure.
  std::function<void(std::exception_ptr)> Completion(std::string where);
  void MaybeRecovered(SysTime at);
  bool Done() const { return stopped_ || run_.abort_reason.has_value(); }

  boost::asio::io_context& io_;
  RunState& run_;
  RunRecorder& rec_;
  const RunnerMap& runners_;
  const ProbeChecker& check_;
  RunTimer& NewTimer();

  std::map<std::string, ProbeState> probes_;
  std::vector<std::unique_ptr<RunTimer>> timers_;  // one per loop
  bool stopped_ = false;
};

}  // namespace firedrill
