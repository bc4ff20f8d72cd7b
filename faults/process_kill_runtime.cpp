#include "faults/process_kill_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "faults/process_kill.h"
#include "faults/process_lookup.h"
#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

using Clock = std::chrono::steady_clock;

// How long launching the detached start_command may take (it returns at once when it works).
constexpr Duration kLaunchTimeout = std::chrono::seconds(15);

// How long the inject waits for the signalled processes to end: a signal takes effect when the
// process next runs (later on a loaded machine), and SIGTERM lets a service shut down first.
constexpr Duration kExitWithin = std::chrono::seconds(10);

// Returns "KILL" for "SIGKILL": the form `kill -s` accepts in every shell.
std::string BareSignal(const std::string& name) {
  return name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
}

// The command that starts `start_command` in a session of its own, detached from the runner's
// process group (which a timeout would kill) and from its output pipes (which would otherwise
// stay open for as long as the service runs).
std::string DetachedStart(const std::string& start_command, const std::string& cwd) {
  std::string cd = cwd.empty() ? "" : fmt::format("cd {} 2>/dev/null; ", ShellQuote(cwd));
  return fmt::format("{}setsid sh -c {} >/dev/null 2>&1 </dev/null &", cd,
                     ShellQuote(start_command));
}

class ProcessKillFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const ProcessKillParams*> params = ParamsOf<ProcessKillParams>(ctx);
    if (!params) co_return params.error();
    Expected<std::vector<ProcessInfo>> victims =
        co_await SelectVictims(ctx.runner, (*params)->selector);
    if (!victims) co_return victims.error();
    boost::json::object state{{"processes", ProcessesToJson(*victims)}};
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state) override {
    Expected<const ProcessKillParams*> params = ParamsOf<ProcessKillParams>(ctx);
    if (!params) co_return params.error();
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();
    Status sent = co_await SignalProcesses(ctx.runner, *victims, BareSignal((*params)->signal_name),
                                           ctx.inject_hooks);
    if (!sent) co_return sent;
    // The fault is in place when the processes are gone, not when the signal was sent: the
    // check that follows at once must see it.
    co_return co_await WaitUntilGone(ctx.runner, *victims, (*params)->signal_name);
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state) override {
    Expected<const ProcessKillParams*> params = ParamsOf<ProcessKillParams>(ctx);
    if (!params) co_return params.error();
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();
    Expected<std::vector<ProcessInfo>> alive = co_await StillAlive(ctx.runner, *victims);
    if (!alive) co_return alive.error();
    if (!alive->empty()) co_return false;
    Expected<std::vector<ProcessInfo>> back =
        co_await FindProcesses(ctx.runner, (*params)->selector, PidfileMode::kMayBeGone);
    if (!back) co_return back.error();
    co_return back->empty();
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state) override {
    Expected<const ProcessKillParams*> params = ParamsOf<ProcessKillParams>(ctx);
    if (!params) co_return params.error();
    const ProcessKillParams& p = **params;
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();

    Expected<std::vector<ProcessInfo>> running =
        co_await FindProcesses(ctx.runner, p.selector, PidfileMode::kMayBeGone);
    if (!running) co_return running.error();
    if (!running->empty()) co_return Status::Ok();  // already back: nothing to do

    if (p.start_command) {
      const std::string cwd = victims->empty() ? "" : victims->front().cwd;
      Expected<CommandResult> launched = co_await RunChecked(
          ctx.runner, DetachedStart(*p.start_command, cwd), kLaunchTimeout, "start_command");
      if (!launched) co_return launched.error();
    }
    co_return co_await WaitUntilBack(ctx.runner, p);
  }

  std::string ManualRestore(const FaultContext& ctx, const std::string& state) override {
    const auto* params = dynamic_cast<const ProcessKillParams*>(ctx.spec.params.get());
    if (params == nullptr) return "# restart the killed processes by hand";
    std::string text;
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (victims) {
      for (const ProcessInfo& v : *victims) {
        text += fmt::format("# {} was pid {}: {}{}\n", params->signal_name, v.pid, v.cmdline,
                            v.cwd.empty() ? "" : fmt::format(" (in {})", v.cwd));
      }
    }
    if (params->start_command) {
      const std::string cwd = victims && !victims->empty() ? victims->front().cwd : "";
      if (!cwd.empty()) text += fmt::format("cd {}\n", ShellQuote(cwd));
      return text + *params->start_command;
    }
    return text + fmt::format("# restart {} with your service manager (e.g. systemctl restart)",
                              params->selector.Describe());
  }

 private:
  static Expected<std::vector<ProcessInfo>> Victims(const std::string& state) {
    Expected<boost::json::object> object = ParseState(state);
    if (!object) return object.error();
    return ProcessesFromState(*object);
  }

  // Polls until none of `victims` is alive any more, or kExitWithin has passed (an Error naming
  // those still running).
  static asio::awaitable<Status> WaitUntilGone(CommandRunner& runner,
                                               const std::vector<ProcessInfo>& victims,
                                               const std::string& signal_name) {
    const auto deadline = Clock::now() + kExitWithin;
    auto pause = std::chrono::milliseconds(10);
    while (true) {
      Expected<std::vector<ProcessInfo>> alive = co_await StillAlive(runner, victims);
      if (!alive) co_return alive.error();
      if (alive->empty()) co_return Status::Ok();
      if (Clock::now() >= deadline) {
        std::vector<std::string> pids;
        for (const ProcessInfo& p : *alive) pids.push_back(std::to_string(p.pid));
        co_return Error(fmt::format("pid {} still runs {} after {}", fmt::join(pids, ", "),
                                    FormatDuration(kExitWithin), signal_name));
      }
      co_await SleepFor(std::chrono::duration_cast<Duration>(
          std::min<Clock::duration>(pause, deadline - Clock::now())));
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
  }

  // Polls until a process matching the selector runs, or restart_within has passed.
  static asio::awaitable<Status> WaitUntilBack(CommandRunner& runner, const ProcessKillParams& p) {
    const auto deadline = Clock::now() + p.restart_within;
    auto pause = std::chrono::milliseconds(50);
    while (true) {
      Expected<std::vector<ProcessInfo>> running =
          co_await FindProcesses(runner, p.selector, PidfileMode::kMayBeGone);
      if (!running) co_return running.error();
      if (!running->empty()) co_return Status::Ok();
      if (Clock::now() >= deadline) break;
      co_await SleepFor(std::chrono::duration_cast<Duration>(
          std::min<Clock::duration>(pause, deadline - Clock::now())));
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
    const std::string who = p.start_command ? "after start_command ran"
                                            : "(no start_command: a supervisor was expected to "
                                              "restart it)";
    co_return Error(fmt::format("{} came back within {} {}", NoneRunningAgain(p.selector),
                                FormatDuration(p.restart_within), who));
  }

  static std::string NoneRunningAgain(const ProcessSelector& selector) {
    switch (selector.match) {
      case ProcessMatch::kPidfile:
        return fmt::format("no live process in pidfile {}", selector.value);
      case ProcessMatch::kName:
        return fmt::format("no process named \"{}\"", selector.value);
      case ProcessMatch::kCmdline:
        return fmt::format("no process whose command line contains \"{}\"", selector.value);
    }
    return "no matching process";
  }
};

}  // namespace

std::unique_ptr<Fault> MakeProcessKillFault() { return std::make_unique<ProcessKillFault>(); }

}  // namespace firedrill
