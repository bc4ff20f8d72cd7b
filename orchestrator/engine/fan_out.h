// Running the same step for many items (targets, faults, probes) at once, with a limit: the
// engine's fan-out for connects, preflight checks, injection and restore.
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <functional>

namespace firedrill {

namespace fan_out_detail {

struct Shared {
  std::size_t n = 0;
  std::size_t next = 0;
  std::size_t running = 0;
  boost::asio::steady_timer* all_done = nullptr;
  std::exception_ptr failure;  // the first exception an item threw
};

// One worker: takes items one by one until none is left, `stop` says so, or an item threw. Always
// counts itself out, so FanOut returns whatever the items do.
template <typename Each>
boost::asio::awaitable<void> Worker(Shared& s, Each& each, const std::function<bool()>& stop) {
  while (s.next < s.n && !s.failure && !(stop && stop())) {
    std::size_t i = s.next++;
    try {
      co_await each(i);
    } catch (...) {
      if (!s.failure) s.failure = std::current_exception();
    }
  }
  if (--s.running == 0) s.all_done->cancel();
}

}  // namespace fan_out_detail

/// Runs `each(i)` (a callable returning boost::asio::awaitable<void>) for every i in [0, n), at
/// most `limit` (at least 1) at once, on `io`'s thread, and returns when all have finished.
/// Items start in index order. When `stop` is given and returns true, items not yet started are
/// skipped (those running finish). When an item throws, items not yet started are skipped, the
/// running ones finish, and then the first exception is rethrown to the caller. `each` and
/// whatever it references must stay alive until this returns, which the caller's co_await
/// guarantees.
template <typename Each>
boost::asio::awaitable<void> FanOut(boost::asio::io_context& io, std::size_t n, std::size_t limit,
                                    Each each, std::function<bool()> stop = {}) {
  if (n == 0) co_return;
  boost::asio::steady_timer all_done(io, boost::asio::steady_timer::time_point::max());
  fan_out_detail::Shared s;
  s.n = n;
  s.all_done = &all_done;
  s.running = std::clamp<std::size_t>(limit, 1, n);
  const std::size_t workers = s.running;
  for (std::size_t w = 0; w < workers; ++w) {
    boost::asio::co_spawn(io, fan_out_detail::Worker(s, each, stop), boost::asio::detached);
  }
  // Workers that never suspended may be done already (co_spawn can run them inline).
  if (s.running != 0) {
    co_await all_done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  if (s.failure) std::rethrow_exception(s.failure);
}

}  // namespace firedrill
