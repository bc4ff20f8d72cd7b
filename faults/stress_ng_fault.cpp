#include "faults/stress_ng_fault.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <set>
#include <sstream>
#include <utility>

#include "faults/runtime_support.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

constexpr Duration kCommandTimeout = std::chrono::seconds(10);
// How long stress-ng gets to show up after being started, and to go after each signal.
constexpr Duration kStartWait = std::chrono::seconds(5);
constexpr Duration kTermWait = std::chrono::seconds(2);
constexpr Duration kKillWait = std::chrono::seconds(3);
constexpr Duration kPollInterval = std::chrono::milliseconds(100);

struct StressState {
  std::string token;
  std::string args;
};

Expected<StressState> ReadState(const std::string& text) {
  Expected<boost::json::object> state = ParseState(text);
  if (!state) return state.error();
  Expected<std::string> token = StateString(*state, "token");
  if (!token) return token.error();
  Expected<std::string> args = StateString(*state, "args");
  if (!args) return args.error();
  return StressState{*std::move(token), *std::move(args)};
}

std::string NewToken(const FaultContext& ctx) {
  // The random part keeps a re-run of the same drill apart from a leftover of an earlier one.
  return fmt::format("fd-{}-{}", ShortHash(ctx.drill_id + "\n" + ctx.spec.id), RandomHex());
}

// The shell words that list /proc/PID/stat of every process whose environment holds the token.
// grep's exit status is ignored: processes vanish while it reads, which it reports as errors.
std::string ListCommand(const std::string& token) {
  return fmt::format(
      "for f in $(grep -lzxF -- {} /proc/[0-9]*/environ 2>/dev/null); do "
      "cat \"${{f%/environ}}/stat\" 2>/dev/null; done; exit 0",
      ShellQuote(fmt::format("{}={}", kStressTokenVariable, token)));
}

// Returns the live stress-ng processes carrying the token.
asio::awaitable<Expected<std::vector<StressProcess>>> FindRun(CommandRunner& runner,
                                                              const std::string& token) {
  Expected<CommandResult> listed =
      co_await RunChecked(runner, ListCommand(token), kCommandTimeout, "looking for stress-ng");
  if (!listed) co_return listed.error();
  std::vector<StressProcess> live;
  for (StressProcess& process : ParseProcStat(listed->out)) {
    // A zombie is dead already; it lingers only until its new parent reaps it.
    if (process.state != 'Z' && process.comm.starts_with("stress-ng")) {
      live.push_back(std::move(process));
    }
  }
  co_return live;
}

// Returns how many live processes are in any of `groups`.
asio::awaitable<Expected<int>> CountInGroups(CommandRunner& runner, const std::set<int>& groups) {
  std::string condition;
  for (int group : groups) {
    condition += fmt::format("{}$4 == {}", condition.empty() ? "" : " || ", group);
  }
  // After the sed, the fields are: pid state ppid pgrp ... (the name, which may hold spaces, is
  // cut out).
  const std::string command = fmt::format(
      "cat /proc/[0-9]*/stat 2>/dev/null | sed 's/^\\([0-9]*\\) (.*) /\\1 /' | "
      "awk '$2 != \"Z\" && ({}) {{ n++ }} END {{ print n + 0 }}'",
      condition);
  Expected<CommandResult> counted =
      co_await RunChecked(runner, command, kCommandTimeout, "counting stress-ng processes");
  if (!counted) co_return counted.error();
  int count = 0;
  const std::string& out = counted->out;
  auto [end, ec] = std::from_chars(out.data(), out.data() + out.size(), count);
  if (ec != std::errc() || end == out.data()) {
    co_return Error(fmt::format("counting stress-ng processes: unexpected output \"{}\"", out));
  }
  co_return count;
}

// Polls until no live process is left in `groups` or `wait` has passed; returns how many are.
asio::awaitable<Expected<int>> WaitForGroupsGone(CommandRunner& runner, const std::set<int>& groups,
                                                 Duration wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    Expected<int> left = co_await CountInGroups(runner, groups);
    if (!left || *left == 0 || std::chrono::steady_clock::now() >= deadline) co_return left;
    co_await SleepFor(kPollInterval);
  }
}

std::string KillCommand(const char* signal, const std::set<int>& groups) {
  // "-s NAME" rather than "-NAME": dash's kill builtin rejects "--" after the latter.
  std::string command = fmt::format("kill -s {} --", signal);
  for (int group : groups) command += fmt::format(" -{}", group);
  // Some groups may be gone already; that is the goal, not an error.
  return command + " 2>/dev/null; exit 0";
}

}  // namespace

std::vector<StressProcess> ParseProcStat(std::string_view text) {
  std::vector<StressProcess> processes;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t open = line.find(" (");
    const std::size_t close = line.rfind(") ");
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    StressProcess process;
    process.comm = line.substr(open + 2, close - open - 2);
    std::istringstream head(line.substr(0, open));
    std::istringstream tail(line.substr(close + 2));
    int ppid = 0;
    if (!(head >> process.pid) || !(tail >> process.state >> ppid >> process.pgid)) continue;
    processes.push_back(std::move(process));
  }
  return processes;
}

asio::awaitable<Expected<std::string>> StressNgFault::Prepare(const FaultContext& ctx) {
  Expected<CommandResult> version = co_await ctx.runner.Run("stress-ng --version", kCommandTimeout);
  if (!version) co_return Error("stress-ng not available: " + version.error().message);
  if (version->exit_code == 127 && !version->timed_out) {
    co_return Error("stress-ng not available: not found (install the stress-ng package)");
  }
  if (!version->ok()) {
    co_return Error("stress-ng not available: " + SummarizeFailure(*version, kCommandTimeout));
  }
  Expected<std::string> options = co_await StressOptions(ctx);
  if (!options) co_return options.error();
  // stress-ng refuses to start unless its temp path (the working directory by default) is
  // writable, which the engine's or an SSH session's working directory need not be.
  const std::string args =
      fmt::format("{} --timeout {}s --temp-path /tmp", *options,
                  std::chrono::duration_cast<std::chrono::seconds>(kStressNgTimeout).count());
  Expected<CommandResult> dry =
      co_await RunChecked(ctx.runner, "stress-ng --dry-run " + args, kCommandTimeout,
                          "stress-ng refuses the options \"" + args + "\"");
  if (!dry) co_return dry.error();
  boost::json::object state;
  state["token"] = NewToken(ctx);
  state["args"] = args;
  co_return boost::json::serialize(state);
}

asio::awaitable<Status> StressNgFault::Inject(const FaultContext& ctx,
                                              const std::string& state_text) {
  Expected<StressState> state = ReadState(state_text);
  if (!state) co_return state.error();
  // setsid gives stress-ng a session and process group of its own: the runner's clean-up of its
  // command's group does not reach it, and Restore can signal all its workers at once.
  const std::string command =
      fmt::format("{}={} setsid stress-ng {} >/dev/null 2>&1 </dev/null & echo $!",
                  kStressTokenVariable, ShellQuote(state->token), state->args);
  Expected<CommandResult> started = co_await RunChecked(ctx.runner, command, kCommandTimeout,
                                                        "starting stress-ng", ctx.inject_hooks);
  if (!started) co_return started.error();
  const auto deadline = std::chrono::steady_clock::now() + kStartWait;
  while (true) {
    Expected<std::vector<StressProcess>> run = co_await FindRun(ctx.runner, state->token);
    if (!run) co_return run.error();
    if (!run->empty()) co_return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Error(
          fmt::format("stress-ng {} did not start or exited at once (try running it by "
                      "hand to see why)",
                      state->args));
    }
    co_await SleepFor(kPollInterval);
  }
}

asio::awaitable<Expected<bool>> StressNgFault::Check(const FaultContext& ctx,
                                                     const std::string& state_text) {
  Expected<StressState> state = ReadState(state_text);
  if (!state) co_return state.error();
  Expected<std::vector<StressProcess>> run = co_await FindRun(ctx.runner, state->token);
  if (!run) co_return run.error();
  co_return !run->empty();
}

asio::awaitable<Status> StressNgFault::Restore(const FaultContext& ctx,
                                               const std::string& state_text) {
  Expected<StressState> state = ReadState(state_text);
  if (!state) co_return state.error();
  Expected<std::vector<StressProcess>> run = co_await FindRun(ctx.runner, state->token);
  if (!run) co_return run.error();
  std::set<int> groups;
  for (const StressProcess& process : *run) {
    // setsid made the main process a group leader; anything else is not a group firedrill made.
    if (process.pgid > 1 && process.pgid == process.pid) groups.insert(process.pgid);
  }
  if (groups.empty()) {
    if (run->empty()) co_return Status::Ok();
    co_return Error(
        fmt::format("stress-ng process {} is not in a process group of its own; stop it "
                    "by hand",
                    run->front().pid));
  }
  for (const char* signal : {"TERM", "KILL"}) {
    Expected<CommandResult> sent = co_await RunChecked(ctx.runner, KillCommand(signal, groups),
                                                       kCommandTimeout, "stopping stress-ng");
    if (!sent) co_return sent.error();
    Expected<int> left = co_await WaitForGroupsGone(
        ctx.runner, groups, std::string_view(signal) == "TERM" ? kTermWait : kKillWait);
    if (!left) co_return left.error();
    if (*left == 0) co_return Status::Ok();
  }
  co_return Error(fmt::format(
      "stress-ng processes are still running after SIGKILL (process group {})", *groups.begin()));
}

std::string StressNgFault::ManualRestore(const FaultContext& /*ctx*/,
                                         const std::string& state_text) {
  Expected<StressState> state = ReadState(state_text);
  if (!state) return "ps -eo pid,pgid,comm | grep stress-ng  # then: kill -s TERM -- -PGID";
  return fmt::format(
      "for f in $(grep -lzxF -- {} /proc/[0-9]*/environ 2>/dev/null); do p=${{f#/proc/}}; "
      "kill -s TERM -- -${{p%/environ}}; done",
      ShellQuote(fmt::format("{}={}", kStressTokenVariable, state->token)));
}

}  // namespace firedrill
