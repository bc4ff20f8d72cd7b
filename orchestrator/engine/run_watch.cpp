#include "orchestrator/engine/run_watch.h"

#include <fmt/format.h>

#include <boost/asio.hpp>

#include "faults/run_on.h"
#include "orchestrator/engine/on_pool.h"
#include "orchestrator/engine/probe_check.h"

namespace firedrill {

namespace asio = boost::asio;
using asio::use_awaitable;

void RunWatch::Start() {
  for (const Probe& p : run_.drill.probes) {
    probes_[p.name];
    asio::co_spawn(io_, ProbeLoop(p), asio::detached);
  }
  for (const Guard& g : run_.drill.guards) {
    if (g.kind == GuardKind::kCommand) asio::co_spawn(io_, CommandGuardLoop(g), asio::detached);
  }
}

void RunWatch::Stop() {
  stopped_ = true;
  for (auto& t : timers_) t->cancel();
}

asio::steady_timer& RunWatch::NewTimer() {
  timers_.push_back(std::make_unique<asio::steady_timer>(io_));
  return *timers_.back();
}

asio::awaitable<void> RunWatch::ProbeLoop(const Probe& p) {
  ProbeState& s = probes_[p.name];
  asio::steady_timer& timer = NewTimer();
  while (!Done()) {
    ProbeOutcome o = co_await CheckProbe(p, FindRunner(runners_, p.target), pool_);
    if (Done()) break;
    if (o.green) {
      s.reds = 0;
      ++s.greens;
      s.red_since.reset();
      if (s.unhealthy && s.greens >= p.healthy_after) {
        s.unhealthy = false;
        rec_.Record("probe-green", {{"probe", p.name}, {"detail", o.detail}},
                    fmt::format("probe {} green again ({} checks in a row)", p.name, s.greens));
        MaybeRecovered();
      }
    } else {
      s.greens = 0;
      ++s.reds;
      if (!s.red_since) s.red_since = RunState::Clock::now();
      if (!s.unhealthy && s.reds >= p.unhealthy_after) {
        s.unhealthy = true;
        s.was_red = true;
        rec_.Record("probe-red", {{"probe", p.name}, {"detail", o.detail}},
                    fmt::format("probe {} red: {}", p.name, o.detail));
      }
      CheckProbeGuards(p, s);
    }
    timer.expires_after(p.interval);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

asio::awaitable<void> RunWatch::CommandGuardLoop(const Guard& g) {
  asio::steady_timer& timer = NewTimer();
  CommandRunner* runner = FindRunner(runners_, g.target);
  while (!Done()) {
    std::string why;
    if (runner == nullptr) {
      why = fmt::format("no runner for target {}", g.target);
    } else {
      auto r =
          co_await OnPool(pool_, [&] { return RunBlocking(runner->Run(g.command, g.interval)); });
      if (!r.ok()) {
        why = "could not run its command: " + r.error().message;
      } else if (!r->ok()) {
        why = SummarizeFailure(*r, g.interval);
      }
    }
    if (Done()) break;
    if (!why.empty()) {
      Trip(g, why);
      break;
    }
    timer.expires_after(g.interval);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

void RunWatch::CheckProbeGuards(const Probe& p, const ProbeState& s) {
  for (const Guard& g : run_.drill.guards) {
    if (g.kind != GuardKind::kProbe || !WatchesProbe(g.probe, p.name) || !s.red_since || Done())
      continue;
    if (RunState::Clock::now() - *s.red_since > g.max_red) {
      Trip(g, fmt::format("probe {} red for more than {}", p.name, FormatDuration(g.max_red)));
    }
  }
}

void RunWatch::Trip(const Guard& g, const std::string& why) {
  if (Done()) return;
  boost::json::object payload{{"guard", g.name}, {"reason", why}};
  if (g.kind == GuardKind::kProbe) payload["probe"] = g.probe;
  if (g.kind == GuardKind::kCommand) payload["command"] = g.command;
  rec_.Record("guard-tripped", payload, fmt::format("guard {} tripped: {}", g.name, why));
  run_.RequestAbort(fmt::format("guard {} tripped", g.name));
}

void RunWatch::MaybeRecovered() {
  if (run_.recovered_by_probes || !run_.t0 || run_.drill.probes.empty()) return;
  for (const auto& [name, s] : probes_) {
    if (!s.was_red || s.unhealthy) return;
  }
  run_.recovered_by_probes = true;
  auto ttr = std::chrono::duration_cast<Duration>(RunState::Clock::now() - *run_.t0);
  run_.ttr_probe = ttr;
  rec_.Record("recovered", {{"by", "probes"}, {"ttr_ms", ttr.count()}},
              fmt::format("service healthy again by its probes: TTR {}", FormatDuration(ttr)));
}

}  // namespace firedrill
