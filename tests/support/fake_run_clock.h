// A simulated RunClock for tests: time stands still until the test moves it, and timers fire in
// deadline order as it does, so a whole drill runs in-process in milliseconds, deterministically.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "orchestrator/engine/run_clock.h"

namespace firedrill::testing {

/// A RunClock whose time moves only when told. Single-threaded: the test drives it and the io
/// context on one thread.
class FakeRunClock : public RunClock {
 public:
  /// Starts at monotonic time zero and UTC `utc_start`.
  explicit FakeRunClock(SysTime utc_start);
  ~FakeRunClock() override;

  SteadyTime Now() const override { return now_; }
  SysTime Utc() const override;
  std::unique_ptr<RunTimer> MakeTimer(boost::asio::any_io_executor executor) override;

  /// The earliest deadline a timer waits for, if any.
  std::optional<SteadyTime> NextDeadline() const;
  /// Moves time forward to `t` (never back), firing every timer due by then; their waits resume
  /// when the io context next runs.
  void AdvanceTo(SteadyTime t);
  /// Moves time forward by `d`.
  void Advance(Duration d) { AdvanceTo(now_ + d); }

  /// The UTC time of monotonic time `t` on this clock.
  SysTime UtcAt(SteadyTime t) const;
  /// The monotonic time of UTC `t` on this clock.
  SteadyTime SteadyAt(SysTime t) const;

 private:
  friend class FakeTimer;
  class FakeTimer;
  SteadyTime now_{};
  SysTime utc_start_;
  std::multimap<SteadyTime, FakeTimer*> waiting_;
};

/// Runs `io` in simulated time until `done()` is true: all ready work first, then the clock
/// jumps to the next timer's deadline, again and again. Returns false when nothing is left to
/// run and `done()` is still false (a deadlock), or when the clock would pass `limit` (from
/// its time now).
///
/// `busy` (optional) tells that work outside the loop is under way whose completion the loop
/// will receive (a writer thread); then the clock does not move: `wait` (blocking) lets that
/// work finish first.
bool RunSimulated(boost::asio::io_context& io, FakeRunClock& clock,
                  const std::function<bool()>& done, Duration limit = std::chrono::hours(48),
                  const std::function<bool()>& busy = {}, const std::function<void()>& wait = {});

}  // namespace firedrill::testing
