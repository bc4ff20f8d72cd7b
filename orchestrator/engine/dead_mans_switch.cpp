#include "orchestrator/engine/dead_mans_switch.h"

#include <fmt/format.h>

#include <algorithm>

#include "faults/runtime_support.h"

namespace firedrill {
namespace {

// Run and fault ids are [a-z0-9-]; anything else becomes '_' so the name is safe in a pattern.
std::string Safe(const std::string& s) {
  std::string out = s;
  std::replace_if(
      out.begin(), out.end(),
      [](char c) { return !(std::isalnum(static_cast<unsigned char>(c)) || c == '-'); }, '_');
  return out;
}

constexpr auto kCommandTimeout = std::chrono::seconds(10);

}  // namespace

std::string DeadMansSwitchName(const std::string& run_id, const std::string& fault_id) {
  return fmt::format("firedrill-deadman-{}-{}", Safe(run_id), Safe(fault_id));
}

boost::asio::awaitable<Status> ArmDeadMansSwitch(CommandRunner& runner, std::string run_id,
                                                 std::string fault_id, Duration fires_in,
                                                 std::string restore) {
  const std::string name = DeadMansSwitchName(run_id, fault_id);
  const auto seconds =
      std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(fires_in).count());
  // $0 of the detached shell is the name, so it shows in its command line.
  const std::string script = fmt::format(
      "sleep {s}; echo \"$(date -u +%FT%TZ) {n} fired: restoring\"; {r}; "
      "echo \"$(date -u +%FT%TZ) {n} restore exited $?\"",
      fmt::arg("s", seconds), fmt::arg("n", name), fmt::arg("r", restore));
  const std::string command =
      fmt::format("nohup setsid /bin/sh -c {} {} >>/tmp/{}.log 2>&1 </dev/null & echo armed",
                  ShellQuote(script), name, name);
  auto r = co_await runner.Run(command, kCommandTimeout);
  if (!r.ok()) co_return r.error();
  if (!r->ok() || r->out.find("armed") == std::string::npos) {
    co_return Error{fmt::format("could not arm the dead man's switch on {}: {}", runner.Describe(),
                                SummarizeFailure(*r, kCommandTimeout))};
  }
  co_return Status{};
}

boost::asio::awaitable<Status> DisarmDeadMansSwitch(CommandRunner& runner, std::string run_id,
                                                    std::string fault_id) {
  std::string name = DeadMansSwitchName(run_id, fault_id);
  // "[f]iredrill" matches the switch but not this command's own shell, whose command line
  // holds the pattern text with the brackets.
  std::string pattern = "[" + name.substr(0, 1) + "]" + name.substr(1);
  auto r = co_await runner.Run(
      // The switch is a session leader (setsid): kill its whole group, the sleep included.
      fmt::format("for p in $(pgrep -f -- '{0}( |$)'); do pkill -TERM -g \"$p\"; done; "
                  "sleep 0.05; ! pgrep -f -- '{0}( |$)' >/dev/null",
                  pattern),
      kCommandTimeout);
  if (!r.ok()) co_return r.error();
  if (!r->ok()) {
    co_return Error{fmt::format("could not disarm the dead man's switch {} on {}: {}", name,
                                runner.Describe(), SummarizeFailure(*r, kCommandTimeout))};
  }
  co_return Status{};
}

}  // namespace firedrill
