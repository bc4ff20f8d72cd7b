#include "orchestrator/engine/run_watch.h"

#include <fmt/format.h>

#include <boost/asio.hpp>

#include "orchestrator/engine/probe_check.h"

namespace firedrill {

namespace asio = boost::asio;
using asio::use_awaitable;

void RunWatch::Start() {
  for (const Probe& p : run_.drill.probes) {
    probes_[p.name];
    asio::co_spawn(io_, ProbeLoop(p), Completion("probe " + p.name));
  }
  for (const Guard& g : run_.drill.guards) {
    if (g.kind == GuardKind::kCommand) {
      asio::co_spawn(io_, CommandGuardLoop(g), Completion("guard " + g.name));
    }
  }
}

std::function<void(std::exception_ptr)> RunWatch::Completion(std::string where) {
  return [this, where = std::move(where)](std::exception_ptr e) {
    if (!e || !on_failure) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      on_failure(where, ex.what());
    } catch (...) {
      on_failure(where, "an exception that is not a std::exception");
    }
  };
}

void RunWatch::Stop() {
  stopped_ = true;
  for (auto& t : timers_) t->Cancel();
}

RunTimer& RunWatch::NewTimer() {
  timers_.push_back(run_.clock.clock().MakeTimer(io_.get_executor()));
  return *timers_.back();
}

asio::awaitable<void> RunWatch::ProbeLoop(const Probe& p) {
  ProbeState& s = probes_[p.name];
  RunTimer& timer = NewTimer();
  while (!Done()) {
    ProbeOutcome o = co_await check_(p, FindRunner(runners_, p.target));
    if (Done()) break;
    const SysTime at = run_.clock.UtcNow();  // the time of this check's verdict
    if (o.green) {
      s.reds = 0;
      ++s.greens;
      s.red_since.reset();
      if (s.unhealthy && s.greens >= p.healthy_after) {
        s.unhealthy = false;
        rec_.RecordAt(at, EventKind::kProbeGreen, ProbeChange{.probe = p.name, .detail = o.detail},
                      fmt::format("probe {} green again ({} checks in a row)", p.name, s.greens));
        MaybeRecovered(at);
      }
    } else {
      s.greens = 0;
      ++s.reds;
      if (!s.red_since) s.red_since = at;
      if (!s.unhealthy && s.reds >= p.unhealthy_after) {
        s.unhealthy = true;
        s.was_red = true;
        rec_.RecordAt(at, EventKind::kProbeRed, ProbeChange{.probe = p.name, .detail = o.detail},
                      fmt::format("probe {} red: {}", p.name, o.detail));
      }
      CheckProbeGuards(p, s);
    }
    co_await timer.WaitUntil(run_.clock.Now() + p.interval);
  }
}

asio::awaitable<void> RunWatch::CommandGuardLoop(const Guard& g) {
  RunTimer& timer = NewTimer();
  CommandRunner* runner = FindRunner(runners_, g.target);
  while (!Done()) {
    std::string why;
    if (runner == nullptr) {
      why = fmt::format("no runner for target {}", g.target);
    } else {
      auto r = co_await runner->Run(g.command, g.interval);
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
    co_await timer.WaitUntil(run_.clock.Now() + g.interval);
  }
}

void RunWatch::CheckProbeGuards(const Probe& p, const ProbeState& s) {
  for (const Guard& g : run_.drill.guards) {
    if (g.kind != GuardKind::kProbe || !WatchesProbe(g.probe, p.name) || !s.red_since || Done())
      continue;
    if (run_.clock.UtcNow() - *s.red_since > g.max_red) {
      Trip(g, fmt::format("probe {} red for more than {}", p.name, FormatDuration(g.max_red)));
    }
  }
}

void RunWatch::Trip(const Guard& g, const std::string& why) {
  if (Done()) return;
  GuardTripped payload{.guard = g.name, .reason = why};
  if (g.kind == GuardKind::kProbe) payload.probe = g.probe;
  if (g.kind == GuardKind::kCommand) payload.command = g.command;
  rec_.Record(EventKind::kGuardTripped, payload, fmt::format("guard {} tripped: {}", g.name, why));
  run_.RequestAbort(fmt::format("guard {} tripped", g.name));
}

void RunWatch::MaybeRecovered(SysTime at) {
  if (run_.recovered_by_probes || !run_.t0 || run_.drill.probes.empty()) return;
  // Every probe that went red is green again. A probe that never turned red could not see the
  // fault: it does not hold recovery back. At least one must have been red.
  bool any_red = false;
  for (const auto& [name, s] : probes_) {
    if (s.unhealthy) return;
    any_red = any_red || s.was_red;
  }
  if (!any_red) return;
  run_.recovered_by_probes = true;
  const Duration ttr = run_.SinceT0(at);
  run_.ttr_probe = ttr;
  rec_.RecordAt(at, EventKind::kRecovered, Recovered{.by = "probes", .ttr_ms = ttr.count()},
                fmt::format("service healthy again by its probes: TTR {}", FormatDuration(ttr)));
}

}  // namespace firedrill
