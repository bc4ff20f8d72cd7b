// The preflight of a run (drill_engine_impl.h): targets connected, alerts, freeze and
// announcement, probes green, faults prepared, or the refusal.
#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "faults/ssh_runner.h"
#include "orchestrator/engine/admission.h"
#include "orchestrator/engine/drill_engine_impl.h"
#include "orchestrator/engine/fan_out.h"
#include "orchestrator/engine/probe_check.h"
#include "orchestrator/store/freeze_table.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

// How many times preflight asks a red probe before it refuses the drill.
constexpr int kPreflightProbeAsks = 3;

}  // namespace

void DrillEngine::Impl::Refuse(std::vector<std::string> reasons) {
  rec_.Record(EventKind::kPreflightRefused, PreflightRefused{.reasons = reasons},
              fmt::format("refused to inject: {}", fmt::join(reasons, "; ")));
  exit_ = kExitRefused;
}

asio::awaitable<bool> DrillEngine::Impl::Preflight() {
  run_.phase = "preflight";
  std::vector<std::string> problems;
  for (const auto& [name, target] : drill_.targets) {
    auto r = env_.make_runner(name, target);
    if (!r.ok()) {
      problems.push_back(r.error().message);
      continue;
    }
    runners_[name] = std::move(*r);
  }
  // Remote targets: reachable, host key trusted, key accepted — before anything else. All at
  // once (up to fan_width_): a fleet of fifty must not take fifty handshakes in a row.
  std::vector<std::string> remote;
  for (const auto& [name, runner] : runners_) {
    if (dynamic_cast<SshRunner*>(runner.get()) != nullptr) remote.push_back(name);
  }
  // What is wrong with each target, probe and fault; "" when nothing is.
  std::vector<std::string> problem_of(remote.size());
  co_await FanOut(io_, remote.size(), fan_width_,
                  [&](std::size_t i) { return ConnectTarget(remote[i], problem_of[i]); });
  for (const std::string& f : problem_of) {
    if (!f.empty()) problems.push_back(f);
  }
  CheckAlertsAndAnnouncement(problems);
  problem_of.assign(drill_.probes.size(), "");
  co_await FanOut(io_, drill_.probes.size(), fan_width_,
                  [&](std::size_t i) { return PreflightProbe(drill_.probes[i], problem_of[i]); });
  for (const std::string& f : problem_of) {
    if (!f.empty()) problems.push_back(f);
  }
  problem_of.assign(drill_.faults.size(), "");
  std::vector<std::unique_ptr<Fault>> built(drill_.faults.size());
  std::vector<std::string> prepared(drill_.faults.size());
  co_await FanOut(io_, drill_.faults.size(), fan_width_, [&](std::size_t i) {
    return PrepareFault(drill_.faults[i], built[i], prepared[i], problem_of[i]);
  });
  for (std::size_t i = 0; i < drill_.faults.size(); ++i) {
    if (!problem_of[i].empty()) {
      problems.push_back(problem_of[i]);
    } else if (built[i]) {
      states_[drill_.faults[i].id] = std::move(prepared[i]);
      faults_[drill_.faults[i].id] = std::move(built[i]);
    }
  }
  if (!problems.empty()) {
    Refuse(problems);
    co_return false;
  }
  rec_.Record(EventKind::kPreflightPassed,
              PreflightPassed{.probes = static_cast<std::int64_t>(drill_.probes.size()),
                              .faults = static_cast<std::int64_t>(drill_.faults.size())},
              "preflight passed: targets reachable, probes green, fault preconditions hold");
  co_return true;
}

void DrillEngine::Impl::CheckAlertsAndAnnouncement(std::vector<std::string>& problems) {
  AdmissionFacts facts;
  if (opt_.firing_alerts) facts.firing = opt_.firing_alerts();
  facts.announced_at = opt_.announced_at;
  facts.lead_override = opt_.lead_override;
  if (opt_.briefing) facts.briefing = opt_.briefing();
  // Read from the state directory, where the daemon stores a freeze before it stands the
  // drills down: a drill run by hand on it is held by the freeze too.
  if (auto freeze = FreezeTable(db_).Current(); freeze && *freeze) {
    facts.freeze = DescribeFreeze(**freeze);
  } else if (!freeze) {
    problems.push_back("whether a freeze holds cannot be read: " + freeze.error().message);
  }
  Admission verdict = CheckAdmission(drill_, facts);
  if (verdict.lead_overridden) {
    rec_.Record(
        EventKind::kAnnounceOverridden,
        AnnounceOverridden{.reason = opt_.lead_override, .detail = *verdict.lead_overridden},
        fmt::format("announcement lead overridden ({}): {}", opt_.lead_override,
                    *verdict.lead_overridden));
  }
  if (facts.briefing) {
    rec_.Record(EventKind::kBriefed, Briefed{.at = facts.briefing->second},
                fmt::format("briefed by {} at {}", facts.briefing->first,
                            FormatInZone(facts.briefing->second, drill_.window.zone)),
                facts.briefing->first);
  }
  problems.insert(problems.end(), verdict.problems.begin(), verdict.problems.end());
}

asio::awaitable<void> DrillEngine::Impl::ConnectTarget(const std::string& name,
                                                       std::string& problem) {
  auto* ssh = dynamic_cast<SshRunner*>(runners_.at(name).get());
  Status st = co_await ssh->Connect();
  if (!st) {
    problem = fmt::format("target {}: {}", name, st.error().message);
    co_return;
  }
  std::optional<SshConnectInfo> connected = co_await ssh->ConnectInfo();
  SshConnectInfo info = connected.value_or(SshConnectInfo{});
  rec_.Record(EventKind::kTargetConnected,
              TargetConnected{.target = name,
                              .via = ssh->Describe(),
                              .host_key = info.fingerprint,
                              .host_key_recorded = info.host_key_recorded},
              info.host_key_recorded
                  ? fmt::format("target {} ({}): host key {} was not known and has been "
                                "recorded (accept_new_host_key)",
                                name, ssh->Describe(), info.fingerprint)
                  : fmt::format("target {} ({}): connected, host key {} verified", name,
                                ssh->Describe(), info.fingerprint));
}

// A probe must answer green before anything is injected. One slow or failed answer is not a
// broken service (a loaded machine, a lost packet), so a red probe is asked again, its
// interval apart, up to kPreflightProbeAsks times; the first green answer passes, and the
// refusal gives the last answer.
asio::awaitable<void> DrillEngine::Impl::PreflightProbe(const Probe& p, std::string& problem) {
  std::unique_ptr<RunTimer> pause;
  ProbeOutcome o;
  for (int ask = 1; ask <= kPreflightProbeAsks; ++ask) {
    if (ask > 1) {
      if (!pause) pause = facts_.clock().MakeTimer(io_.get_executor());
      co_await pause->WaitUntil(facts_.Now() + p.interval);
      if (run_.abort_reason) co_return;  // the abort ends the run; nothing to refuse
    }
    o = co_await check_probe_(p, FindRunner(runners_, p.target));
    if (o.green) co_return;
  }
  problem = fmt::format("probe {} is not green (asked {} times, {} apart): {}", p.name,
                        kPreflightProbeAsks, FormatDuration(p.interval), o.detail);
}

asio::awaitable<void> DrillEngine::Impl::PrepareFault(const FaultSpec& f,
                                                      std::unique_ptr<Fault>& fault,
                                                      std::string& state, std::string& problem) {
  std::unique_ptr<Fault> made = env_.make_fault(f);
  CommandRunner* runner = FindRunner(runners_, f.target);
  if (!made) {
    problem = fmt::format("fault {}: kind {} cannot run here", f.id, f.kind);
    co_return;
  }
  if (runner == nullptr) co_return;
  FaultContext ctx{f, *runner, drill_.id};
  auto prepared = co_await made->Prepare(ctx);
  if (!prepared.ok()) {
    problem = fmt::format("fault {}: {}", f.id, prepared.error().message);
    co_return;
  }
  state = std::move(*prepared);
  fault = std::move(made);
}

}  // namespace firedrill
