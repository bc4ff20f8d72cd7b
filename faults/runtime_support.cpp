#include "faults/runtime_support.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <utility>

namespace firedrill {

boost::asio::awaitable<Expected<CommandResult>> RunChecked(CommandRunner& runner,
                                                           std::string command, Duration timeout,
                                                           std::string what, RunHooks hooks) {
  Expected<CommandResult> result =
      co_await runner.Run(std::move(command), timeout, std::move(hooks));
  if (!result) co_return Error(fmt::format("{}: {}", what, result.error().message));
  if (!result->ok()) {
    co_return Error(fmt::format("{}: {}", what, SummarizeFailure(*result, timeout)));
  }
  co_return result;
}

boost::asio::awaitable<void> SleepFor(Duration duration) {
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer timer(executor, duration);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

Expected<boost::json::object> ParseState(const std::string& state) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(state, ec);
  if (ec) return Error(fmt::format("fault state is not JSON: {}", ec.message()));
  if (!value.is_object()) return Error("fault state is not a JSON object");
  return std::move(value.as_object());
}

Expected<std::string> StateString(const boost::json::object& state, std::string_view key) {
  const boost::json::value* value = state.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    return Error(fmt::format("fault state has no string \"{}\"", key));
  }
  return std::string(value->as_string());
}

Expected<std::uint64_t> StateUint(const boost::json::object& state, std::string_view key) {
  const boost::json::value* value = state.if_contains(key);
  if (value != nullptr && value->is_uint64()) return value->as_uint64();
  if (value != nullptr && value->is_int64() && value->as_int64() >= 0) {
    return static_cast<std::uint64_t>(value->as_int64());
  }
  return Error(fmt::format("fault state has no unsigned integer \"{}\"", key));
}

std::string SanitizeName(std::string_view text) {
  std::string name;
  name.reserve(text.size());
  for (char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += plain ? c : '_';
  }
  return name;
}

std::string ShortHash(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return fmt::format("{:08x}", hash);
}

std::string RandomHex() {
  std::random_device random;
  const std::uint64_t value = (static_cast<std::uint64_t>(random()) << 32) | random();
  return fmt::format("{:016x}", value);
}

}  // namespace firedrill
