#include "tests/support/fake_run_clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace firedrill::testing {

namespace asio = boost::asio;

// A wait is an Asio timer that never expires by itself: the clock cancels it when its deadline
// is reached (fired_ tells that from Cancel()).
class FakeRunClock::FakeTimer : public RunTimer {
 public:
  FakeTimer(FakeRunClock& clock, asio::any_io_executor executor)
      : clock_(&clock), timer_(std::move(executor), asio::steady_timer::time_point::max()) {}
  ~FakeTimer() override { Forget(); }

  asio::awaitable<bool> WaitUntil(SteadyTime deadline) override {
    if (clock_ == nullptr || clock_->now_ >= deadline) co_return true;
    fired_ = false;
    position_ = clock_->waiting_.emplace(deadline, this);
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    Forget();
    co_return fired_;
  }

  void Cancel() override {
    Forget();
    timer_.cancel();
  }

  void Fire() {
    position_.reset();
    fired_ = true;
    timer_.cancel();
  }

  void Detach() {
    position_.reset();
    clock_ = nullptr;
  }

 private:
  void Forget() {
    if (clock_ != nullptr && position_) clock_->waiting_.erase(*position_);
    position_.reset();
  }

  FakeRunClock* clock_;
  asio::steady_timer timer_;
  std::optional<std::multimap<SteadyTime, FakeTimer*>::iterator> position_;
  bool fired_ = false;
};

FakeRunClock::FakeRunClock(SysTime utc_start) : utc_start_(utc_start) {}

FakeRunClock::~FakeRunClock() {
  for (auto& [deadline, timer] : waiting_) timer->Detach();
}

SysTime FakeRunClock::Utc() const { return UtcAt(now_); }

SysTime FakeRunClock::UtcAt(SteadyTime t) const {
  return utc_start_ + std::chrono::floor<std::chrono::milliseconds>(t - SteadyTime{});
}

SteadyTime FakeRunClock::SteadyAt(SysTime t) const {
  return SteadyTime{} + std::chrono::duration_cast<SteadyTime::duration>(t - utc_start_);
}

std::unique_ptr<RunTimer> FakeRunClock::MakeTimer(asio::any_io_executor executor) {
  return std::make_unique<FakeTimer>(*this, std::move(executor));
}

std::optional<SteadyTime> FakeRunClock::NextDeadline() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

void FakeRunClock::AdvanceTo(SteadyTime t) {
  if (t > now_) now_ = t;
  while (!waiting_.empty() && waiting_.begin()->first <= now_) {
    FakeTimer* timer = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    timer->Fire();
  }
}

bool RunSimulated(asio::io_context& io, FakeRunClock& clock, const std::function<bool()>& done,
                  Duration limit, const std::function<bool()>& busy,
                  const std::function<void()>& wait) {
  const SteadyTime end = clock.Now() + limit;
  while (true) {
    io.restart();
    // Asked before the loop runs: work that was under way may have posted its completion since.
    const bool was_busy = busy && busy();
    std::size_t ran = 0;
    while (std::size_t n = io.poll()) ran += n;
    if (done()) return true;
    if (ran > 0) continue;
    if (was_busy || (busy && busy())) {
      if (wait) wait();
      continue;
    }
    std::optional<SteadyTime> next = clock.NextDeadline();
    if (!next || *next > end) return false;
    clock.AdvanceTo(*next);
  }
}

}  // namespace firedrill::testing
