#include "faults/process_pause_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "faults/process_lookup.h"
#include "faults/process_pause.h"
#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

using Clock = std::chrono::steady_clock;

// A signal is delivered asynchronously: the state letter may lag the kill by a moment. Inject and
// Restore wait this long for it so that a Check right after them sees the result.
constexpr auto kSettleTime = std::chrono::seconds(2);

bool AllStopped(const std::vector<ProcessInfo>& alive, std::size_t expected) {
  return alive.size() == expected &&
         std::all_of(alive.begin(), alive.end(),
                     [](const ProcessInfo& p) { return p.state == 'T'; });
}

bool NoneStopped(const std::vector<ProcessInfo>& alive) {
  return std::none_of(alive.begin(), alive.end(),
                      [](const ProcessInfo& p) { return p.state == 'T'; });
}

Expected<std::vector<ProcessInfo>> Victims(const std::string& state) {
  Expected<boost::json::object> object = ParseState(state);
  if (!object) return object.error();
  return ProcessesFromState(*object);
}

// Polls the victims until `done` holds for the live ones or kSettleTime passes. Not reaching it
// is no error here: Check is what verifies the fault.
asio::awaitable<Status> Settle(CommandRunner& runner, const std::vector<ProcessInfo>& victims,
                               std::function<bool(const std::vector<ProcessInfo>&)> done) {
  const auto deadline = Clock::now() + kSettleTime;
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    Expected<std::vector<ProcessInfo>> alive = co_await StillAlive(runner, victims);
    if (!alive) co_return alive.error();
    if (done(*alive) || Clock::now() >= deadline) co_return Status::Ok();
    co_await SleepFor(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

class ProcessPauseFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const ProcessPauseParams*> params = ParamsOf<ProcessPauseParams>(ctx);
    if (!params) co_return params.error();
    Expected<std::vector<ProcessInfo>> victims =
        co_await SelectVictims(ctx.runner, (*params)->selector);
    if (!victims) co_return victims.error();
    for (const ProcessInfo& v : *victims) {
      if (v.state == 'T') {
        co_return Error(
            fmt::format("pid {} ({}) is already stopped; continue it first (kill -s CONT "
                        "{}) or leave it out of the drill",
                        v.pid, v.cmdline, v.pid));
      }
    }
    boost::json::object state{{"processes", ProcessesToJson(*victims)}};
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state) override {
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();
    Status sent = co_await SignalProcesses(ctx.runner, *victims, "STOP", ctx.inject_hooks);
    if (!sent.ok()) co_return sent;
    const std::size_t expected = victims->size();
    co_return co_await Settle(
        ctx.runner, *victims,
        [expected](const std::vector<ProcessInfo>& alive) { return AllStopped(alive, expected); });
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state) override {
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();
    Expected<std::vector<ProcessInfo>> alive = co_await StillAlive(ctx.runner, *victims);
    if (!alive) co_return alive.error();
    co_return !victims->empty() && AllStopped(*alive, victims->size());
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state) override {
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims) co_return victims.error();
    // SignalProcesses skips processes that are gone, so a repeated restore changes nothing.
    Status sent = co_await SignalProcesses(ctx.runner, *victims, "CONT");
    if (!sent.ok()) co_return sent;
    co_return co_await Settle(ctx.runner, *victims, NoneStopped);
  }

  std::string ManualRestore(const FaultContext&, const std::string& state) override {
    Expected<std::vector<ProcessInfo>> victims = Victims(state);
    if (!victims || victims->empty())
      return "# send SIGCONT to the paused processes: kill -s CONT PID";
    std::string pids;
    for (const ProcessInfo& v : *victims) pids += fmt::format(" {}", v.pid);
    return fmt::format("kill -s CONT{}", pids);
  }
};

}  // namespace

std::unique_ptr<Fault> MakeProcessPauseFault() { return std::make_unique<ProcessPauseFault>(); }

}  // namespace firedrill
