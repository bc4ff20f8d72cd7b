// Small pieces shared by the built-in fault runtimes: running a command that must succeed,
// reading a fault's typed parameters, and the JSON state text (and ShellQuote, re-exported).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"
#include "faults/fault.h"
#include "faults/shell_quote.h"  // ShellQuote, used by every runtime

namespace firedrill {

/// Runs `command` (with `hooks`, see RunHooks); returns its result if it exited 0, else an Error
/// "WHAT: exit 1: ..." (or "WHAT: timed out after 10s"). `what` names the step for people, e.g.
/// "nft list tables".
boost::asio::awaitable<Expected<CommandResult>> RunChecked(CommandRunner& runner,
                                                           std::string command, Duration timeout,
                                                           std::string what, RunHooks hooks = {});

/// Waits `duration` on the awaiting coroutine's executor (a timer: no thread sleeps).
boost::asio::awaitable<void> SleepFor(Duration duration);

/// Returns the fault's parameters as the kind's struct T, or an Error if they are missing or of
/// another kind (a wiring bug: the engine handed a fault to the wrong runtime).
template <typename T>
Expected<const T*> ParamsOf(const FaultContext& ctx) {
  const auto* params = dynamic_cast<const T*>(ctx.spec.params.get());
  if (params == nullptr) {
    return Error("fault " + ctx.spec.id + " has no parameters of kind " + ctx.spec.kind);
  }
  return params;
}

/// Parses a fault's state text; returns an Error unless it is a JSON object.
Expected<boost::json::object> ParseState(const std::string& state);

/// Returns the string member `key` of `state`, or an Error naming the missing key.
Expected<std::string> StateString(const boost::json::object& state, std::string_view key);

/// Returns the unsigned integer member `key` of `state`, or an Error naming the missing key.
Expected<std::uint64_t> StateUint(const boost::json::object& state, std::string_view key);

/// Returns a name made of [A-Za-z0-9_] from `text`: every other byte becomes '_'.
std::string SanitizeName(std::string_view text);

/// Returns the 32-bit FNV-1a hash of `text` as 8 lower-case hex digits (stable across builds, so
/// names derived from it can be recomputed by a person or a later firedrill version).
std::string ShortHash(std::string_view text);

/// Returns 16 random lower-case hex digits, to tell one run's leftovers from another's.
std::string RandomHex();

}  // namespace firedrill
