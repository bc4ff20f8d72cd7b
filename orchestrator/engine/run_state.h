// What one run knows while it goes: the state shared by the engine's phases, its watchers and
// its control handler. Lives on the engine's loop thread; nothing here is touched from the pool.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

/// The mutable state of one run. Every member is read and written on the loop thread only.
struct RunState {
  using Clock = std::chrono::steady_clock;

  /// `drill` must outlive the state.
  explicit RunState(const Drill& d) : drill(d) {}

  const Drill& drill;
  std::string run_id;
  std::string phase = "waiting";  ///< waiting, preflight, injecting, active, restoring, closed...
  std::optional<std::string> abort_reason;  ///< set once: why the run ends early
  std::optional<Clock::time_point> t0;      ///< the first fault in place (monotonic)
  std::optional<SysTime> t0_wall;           ///< the same instant, UTC
  /// When the first fault's inject began (UTC): an alert that began since is the drill's doing,
  /// since preflight refuses to inject while a matching alert fires.
  std::optional<SysTime> inject_began_wall;
  std::optional<Duration> ttd_human;  ///< first `ack detected`, from T0
  std::optional<Duration> ttd_alert;  ///< first matching alert (alert-detected), from T0
  std::optional<Duration> ttr_human;  ///< first `ack recovered`, from T0
  std::optional<Duration> ttr_probe;  ///< every probe green again after red, from T0
  std::vector<std::string> acks;      ///< human-readable, in order
  bool recovered_by_probes = false;
  bool restoring = false;  ///< once true, nothing may abort or interrupt the restore
  /// Cancels the engine's current sleep (window wait, inject delay, active phase).
  std::function<void()> wake;

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
