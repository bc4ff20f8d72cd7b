#include "orchestrator/engine/run_clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "drills/zoned_time.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

class SystemTimer : public RunTimer {
 public:
  explicit SystemTimer(const asio::any_io_executor& executor) : timer_(executor) {}

  asio::awaitable<bool> WaitUntil(SteadyTime deadline) override {
    if (std::chrono::steady_clock::now() >= deadline) co_return true;
    timer_.expires_at(deadline);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }

  void Cancel() override { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

class SystemClock : public RunClock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  SysTime Utc() const override { return NowUtc(); }
  std::unique_ptr<RunTimer> MakeTimer(asio::any_io_executor executor) override {
    return std::make_unique<SystemTimer>(std::move(executor));
  }
};

}  // namespace

RunClock& SystemRunClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace firedrill
