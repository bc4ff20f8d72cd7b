// The engine's sense of time, behind one seam: a monotonic clock, the UTC time of day, and timers
// that follow the clock. The system clock is the real one; tests give the engine a simulated one
// (tests/support/fake_run_clock.h) and run a whole drill in-process in fake time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>

#include "drills/drill.h"

namespace firedrill {

/// A point on the monotonic clock. Durations between two of them are what firedrill measures.
using SteadyTime = std::chrono::steady_clock::time_point;

/// A timer on a RunClock. Used on its executor's thread only.
class RunTimer {
 public:
  virtual ~RunTimer() = default;
  /// Waits until the clock reaches `deadline` (at once when it has). Returns true when it did,
  /// false when Cancel() ended the wait first. One wait at a time.
  virtual boost::asio::awaitable<bool> WaitUntil(SteadyTime deadline) = 0;
  /// Ends the current wait (it returns false); does nothing when none is pending.
  virtual void Cancel() = 0;
};

/// Where the engine reads the time and makes its timers. Implementations must be safe to read
/// from the loop thread; MakeTimer's timers run on the given executor.
class RunClock {
 public:
  virtual ~RunClock() = default;
  /// The monotonic time now.
  virtual SteadyTime Now() const = 0;
  /// The UTC time of day now, millisecond precision.
  virtual SysTime Utc() const = 0;
  /// Returns a timer following this clock, running on `executor`.
  virtual std::unique_ptr<RunTimer> MakeTimer(boost::asio::any_io_executor executor) = 0;
};

/// Returns the real clock: std::chrono::steady_clock, the system's UTC, Asio steady timers.
/// Lives for the whole program.
RunClock& SystemRunClock();

/// The times of one run's facts. Everything the run records carries a time read here: UTC taken
/// from the monotonic clock against one anchor, so that the difference of two recorded times is
/// exactly the monotonic duration between the facts (to the millisecond), whatever the system's
/// wall clock does meanwhile. The anchor is taken at construction and again by Reanchor() (the
/// engine does so when injection begins, so that a long wait for the window adds no drift).
class FactClock {
 public:
  /// `clock` must outlive this.
  explicit FactClock(RunClock& clock) : clock_(clock) { Reanchor(); }

  /// Anchors monotonic time to the clock's UTC now.
  void Reanchor() {
    steady_anchor_ = clock_.Now();
    utc_anchor_ = clock_.Utc();
  }
  /// The UTC time of monotonic instant `t`, floored to the millisecond.
  SysTime UtcAt(SteadyTime t) const {
    return utc_anchor_ + std::chrono::floor<std::chrono::milliseconds>(t - steady_anchor_);
  }
  /// The monotonic time now, and its UTC time.
  SteadyTime Now() const { return clock_.Now(); }
  SysTime UtcNow() const { return UtcAt(clock_.Now()); }
  RunClock& clock() { return clock_; }

 private:
  RunClock& clock_;
  SteadyTime steady_anchor_{};
  SysTime utc_anchor_{};
};

}  // namespace firedrill
