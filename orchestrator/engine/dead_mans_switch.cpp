#include "orchestrator/engine/dead_mans_switch.h"

#include <fmt/format.h>

#include <algorithm>

#include "faults/shell_quote.h"

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
  // $0 of the detached shell is the name, so it shows in its command line. Once it leads a
  // session and process group of its own (setsid), it prints its pid (= that group) and lets go
  // of the pipe the arm reads it from; the arm keeps the pid in the pid file for the disarm and
  // only then says "armed". The switch removes the file when it has fired.
  const std::string script = fmt::format(
      "echo $$; exec >>/tmp/{n}.log 2>&1; sleep {s}; "
      "echo \"$(date -u +%FT%TZ) {n} fired: restoring\"; {r}; "
      "echo \"$(date -u +%FT%TZ) {n} restore exited $?\"; rm -f /tmp/{n}.pid",
      fmt::arg("s", seconds), fmt::arg("n", name), fmt::arg("r", restore));
  const std::string command = fmt::format(
      "p=$(nohup setsid /bin/sh -c {q} {n} 2>>/tmp/{n}.log </dev/null &)\n"
      "case \"$p\" in ''|*[!0-9]*) echo \"the switch did not start: $p\" >&2; exit 1 ;; esac\n"
      "echo \"$p\" >/tmp/{n}.pid && echo armed",
      fmt::arg("q", ShellQuote(script)), fmt::arg("n", name));
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
  // The switch's process group from its pid file, if that group is still the switch (its
  // command line names it: a pid is reused); the kill builtin, so no process scan. A switch
  // armed without a pid file (an older firedrill) is looked for by its command line. Gone means
  // the switch is no longer running, within a second. The name is put together in the shell
  // (n=f'...'), so that this command's own command line never matches the pattern.
  auto r = co_await runner.Run(
      fmt::format(
          "n=f'{rest}'; f=\"/tmp/$n.pid\"; p=''; [ -r \"$f\" ] && read -r p <\"$f\"\n"
          "case \"$p\" in ''|*[!0-9]*) p='' ;; esac\n"
          "if [ -n \"$p\" ]; then\n"
          "  grep -q -- \"$n\" \"/proc/$p/cmdline\" 2>/dev/null &&\n"
          "    kill -TERM -\"$p\" 2>/dev/null\n"
          "  i=0\n"
          "  while grep -q -- \"$n\" \"/proc/$p/cmdline\" 2>/dev/null && [ $i -lt 20 ]; do\n"
          "    sleep 0.05; i=$((i + 1))\n"
          "  done\n"
          "  rm -f \"$f\"\n"
          "  ! grep -q -- \"$n\" \"/proc/$p/cmdline\" 2>/dev/null\n"
          "else\n"
          "  for g in $(pgrep -f -- '{pat}( |$)'); do pkill -TERM -g \"$g\"; done\n"
          "  sleep 0.05; ! pgrep -f -- '{pat}( |$)' >/dev/null\n"
          "fi",
          fmt::arg("rest", name.substr(1)), fmt::arg("pat", pattern)),
      kCommandTimeout);
  if (!r.ok()) co_return r.error();
  if (!r->ok()) {
    co_return Error{fmt::format("could not disarm the dead man's switch {} on {}: {}", name,
                                runner.Describe(), SummarizeFailure(*r, kCommandTimeout))};
  }
  co_return Status{};
}

}  // namespace firedrill
