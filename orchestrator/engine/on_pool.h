// Runs blocking work (commands, fsync-heavy writes) on a worker pool and resumes the awaiting
// coroutine on its own executor: the engine's loop thread never blocks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace firedrill {

/// Runs `work()` on `pool` and returns its result. `work` must not throw; it may capture the
/// caller's locals by reference (the caller is suspended until it finishes).
template <typename F>
boost::asio::awaitable<std::invoke_result_t<F&>> OnPool(boost::asio::thread_pool& pool, F work) {
  using R = std::invoke_result_t<F&>;
  std::optional<R> result;
  co_await boost::asio::co_spawn(
      pool,
      [&]() -> boost::asio::awaitable<void> {
        result.emplace(work());
        co_return;
      },
      boost::asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace firedrill
