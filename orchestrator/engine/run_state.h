// What one run knows while it goes: the state shared by the engine's phases, its watchers and
// its control handler. Lives on the engine's loop thread; nothing here is touched from the pool.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/engine/run_clock.h"

namespace firedrill {

/// The mutable state of one run. Every member is read and written on the loop thread only.
struct RunState {
  /// `d` and `c` must outlive the state.
  RunState(const Drill& d, FactClock& c) : drill(d), clock(c) {}

  const Drill& drill;
  /// The run's clock: every time it records, and every duration it measures, is read here.
  FactClock& clock;
  std::string run_id;
  std::string phase = "waiting";  ///< waiting, preflight, injecting, active, restoring, closed...
  std::optional<std::string> abort_reason;  ///< set once: why the run ends early
  /// T0: the moment the first fault was in place, recorded once (`t0`). Every TTD and TTR is
  /// measured from it, as the difference of two recorded fact times.
  std::optional<SysTime> t0;
  /// When the first fault's inject began: an alert that began since is the drill's doing, since
  /// preflight refuses to inject while a matching alert fires.
  std::optional<SysTime> inject_began;
  std::optional<Duration> ttd_human;  ///< first `ack detected`, from T0
  std::optional<Duration> ttd_alert;  ///< first matching alert (alert-detected), from T0
  std::optional<Duration> ttr_human;  ///< first `ack recovered`, from T0
  std::optional<Duration> ttr_probe;  ///< every probe that went red green again, from T0
  std::vector<std::string> acks;      ///< human-readable, in order
  bool recovered_by_probes = false;
  bool restoring = false;  ///< once true, nothing may abort or interrupt the restore
  /// Cancels the engine's current sleep (window wait, inject delay, active phase).
  std::function<void()> wake;

  /// Returns the time of fact `at` from T0 (T0 must be set).
  Duration SinceT0(SysTime at) const { return at - *t0; }

  /// Asks the run to stop early for `reason`: returns true and wakes the engine iff no abort was
  /// requested before and the restore has not begun; otherwise changes nothing.
  bool RequestAbort(std::string reason) {
    if (abort_reason || restoring) return false;
    abort_reason = std::move(reason);
    if (wake) wake();
    return true;
  }

  /// True iff the team recovered: by the probes when the drill has any, else by their own
  /// `ack recovered`.
  bool TeamRecovered() const {
    return drill.probes.empty() ? ttr_human.has_value() : recovered_by_probes;
  }
};

}  // namespace firedrill
