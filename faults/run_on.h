// Moving an awaitable between executors: RunOn runs it on another executor and resumes the
// caller on its own; RunBlocking runs it to completion on a private event loop, for the few
// callers that are not coroutines (the CLI, tests, code outside faults/ not yet converted).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <utility>

namespace firedrill {

/// Runs `work` on `executor` and returns its result to the awaiting coroutine, which resumes on
/// its own executor (co_spawn does the hop back). No thread waits: both sides stay event loops.
/// An exception thrown by `work` is rethrown in the caller. T need not be default-constructible.
template <typename T, typename Executor>
boost::asio::awaitable<T> RunOn(Executor executor, boost::asio::awaitable<T> work) {
  std::optional<T> result;
  // The frame of this coroutine holds `result` and `work` until the spawned one has finished.
  co_await boost::asio::co_spawn(
      executor, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); },
      boost::asio::use_awaitable);
  co_return std::move(*result);
}

/// Runs `work` to completion on a private io_context on the calling thread and returns its
/// result; rethrows what it throws. Blocks the calling thread: never call it on an event loop
/// thread that other work depends on. Meant for call sites that are not coroutines; a child
/// process started inside lives with PR_SET_PDEATHSIG bound to the calling thread (see
/// LocalRunner), so call it from a thread that outlives the command.
template <typename T>
T RunBlocking(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

}  // namespace firedrill
