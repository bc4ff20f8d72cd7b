#include "orchestrator/engine/drill_engine.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <ostream>

#include "drills/drill_plan.h"
#include "drills/wheel.h"
#include "drills/zoned_time.h"
#include "faults/fault.h"
#include "faults/ssh_runner.h"
#include "orchestrator/alerts/alert_match.h"
#include "orchestrator/engine/admission.h"
#include "orchestrator/engine/dead_mans_switch.h"
#include "orchestrator/engine/engine_env.h"
#include "orchestrator/engine/fan_out.h"
#include "orchestrator/engine/live_display.h"
#include "orchestrator/engine/probe_check.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_clock.h"
#include "orchestrator/engine/run_close.h"
#include "orchestrator/engine/run_control.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/engine/run_watch.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/fault_ledger.h"
#include "orchestrator/store/freeze_table.h"
#include "orchestrator/store/run_table.h"
#include "plugins/plugin_fault.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::use_awaitable;

// How many times preflight asks a red probe before it refuses the drill.
constexpr int kPreflightProbeAsks = 3;

// The size of the terminal on stdout, or 100 x 40 when it cannot be told.
LiveDisplay::Size TerminalSize() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    return LiveDisplay::Size{ws.ws_col, ws.ws_row};
  }
  return LiveDisplay::Size{};
}

// How many targets are connected, probed and prepared at once at preflight: two, or as many as
// the widest fan-out injects at once, at most 64.
std::size_t FanOutWidth(const Drill& drill) {
  std::map<std::string, std::size_t> members;
  std::size_t widest = 2;
  for (const FaultSpec& f : drill.faults) {
    std::size_t n = ++members[f.group];
    widest = std::max(widest, std::min(n, static_cast<std::size_t>(f.parallel)));
  }
  return std::min<std::size_t>(widest, 64);
}

// The phases of one run, in order; the watchers, the control handler, the recorder and the close
// live in their own files (run_watch, run_control, run_recorder, run_close).
}  // namespace

class DrillEngine::Impl {
 public:
  Impl(asio::io_context& io, const Drill& drill, const RunOptions& options, Database& db,
       RecordWriter& writer, std::ostream& out, std::ostream& err, EngineEnv env)
      : env_(std::move(env)),
        facts_(env_.clock != nullptr ? *env_.clock : SystemRunClock()),
        wheel_(drill.wheel ? std::optional<WheelChoice>(
                                 SpinWheel(drill, options.wheel_seed.value_or(RandomSeed())))
                           : std::nullopt),
        spun_(wheel_ ? ApplyWheel(drill, *wheel_) : drill),
        drill_(spun_),
        opt_(options),
        db_(db),
        run_(drill_, facts_),
        rec_(db, writer, io.get_executor(), run_, options, out, err),
        control_handler_(run_, rec_),
        io_(io),
        fan_width_(FanOutWidth(drill_)),
        wake_(facts_.clock().MakeTimer(io_.get_executor())),
        countdown_timer_(facts_.clock().MakeTimer(io_.get_executor())),
        check_probe_(env_.check_probe ? env_.check_probe
                                      : ProbeChecker([](const Probe& p, CommandRunner* r) {
                                          return CheckProbe(p, r);
                                        })),
        watch_(io_, run_, rec_, runners_, check_probe_) {
    if (!env_.make_fault) env_.make_fault = [](const FaultSpec& f) { return MakeFaultFor(f); };
    if (!env_.make_runner) {
      env_.make_runner = [](const std::string&, const Target& t) { return MakeRunner(t); };
    }
    run_.wake = [this] { wake_->Cancel(); };
    for (const FaultSpec& f : drill.faults) {
      const auto* plugin = dynamic_cast<const PluginParams*>(f.params.get());
      if (plugin != nullptr && std::find(plugin_paths_.begin(), plugin_paths_.end(),
                                         plugin->kind().path) == plugin_paths_.end()) {
        plugin_paths_.push_back(plugin->kind().path);
      }
    }
  }

  void Start(std::function<void(int)> done) {
    if (opt_.live_view && !opt_.json) {
      // On a terminal: the live block below the run's lines, redrawn four times a second at most
      // (only when it changed) and on every event.
      live_ = std::make_unique<LiveDisplay>(
          rec_.out(), MakeLiveView(drill_, PlanDrill(drill_), wheel_.has_value()),
          LiveStyle{opt_.colour, 100, 4}, facts_, [] { return TerminalSize(); });
      rec_.ShowOn(live_.get());
      asio::co_spawn(io_, live_->Tick(io_.get_executor(), std::chrono::milliseconds(250)),
                     asio::detached);
    }
    watch_.on_failure = [this](const std::string& where, const std::string& what) {
      InternalError(where, what);
    };
    asio::co_spawn(io_, Guarded(), [this, done = std::move(done)](std::exception_ptr e) {
      if (e) {
        // Guarded catches everything a run throws; this is a bug in Guarded itself.
        rec_.Warn(fmt::format("firedrill run: internal error: {}\n", What(e)));
        exit_ = kExitFailure;
      }
      watch_.Stop();
      countdown_timer_->Cancel();
      if (live_) live_->Stop();
      done(exit_);
    });
  }

  bool RequestAbort(std::string reason) { return run_.RequestAbort(std::move(reason)); }

  // Records a bug met at `where` (an exception) and ends the run early: every fault in place is
  // restored by the usual path, and the run ends aborted with this as its reason.
  void InternalError(const std::string& where, const std::string& what) {
    rec_.Record(EventKind::kInternalError,
                firedrill::InternalError{.where = where, .error = what, .phase = run_.phase},
                fmt::format("internal error in {}: {}; every fault in place is being restored",
                            where, what));
    run_.RequestAbort(fmt::format("internal error in {}: {}", where, what));
  }

  static std::string What(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return ex.what();
    } catch (...) {
      return "an exception that is not a std::exception";
    }
  }

  ControlResponse HandleControl(const ControlRequest& request) {
    return control_handler_.Handle(request);
  }

  void OnAlert(const Alert& alert) {
    if (alert.status != "firing" || !run_.inject_began || run_.restoring) return;
    if (!run_.t0) {
      // Injecting: the alert may be the first fault's doing before its check has confirmed it.
      // Held until T0, then weighed as if it arrived then.
      held_alerts_.push_back(alert);
      return;
    }
    WeighAlert(alert, facts_.UtcNow());
  }

  // An alert while a fault is in place, received at `received` (not before T0): detection when
  // it matches `detection.match` and began since injection began, and an abort when it matches
  // an alert guard.
  void WeighAlert(const Alert& alert, SysTime received) {
    SysTime at = alert.starts_at.value_or(received);
    if (!run_.ttd_alert && at >= *run_.inject_began &&
        AlertMatches(alert, drill_.detection.match)) {
      run_.ttd_alert = run_.SinceT0(received);
      rec_.RecordAt(received, EventKind::kAlertDetected,
                    AlertDetected{.source = alert.source,
                                  .fingerprint = alert.fingerprint,
                                  .summary = alert.summary,
                                  .starts_at = at,
                                  .since_t0_ms = run_.ttd_alert->count()},
                    fmt::format("detected by an alert from {} ({}): T0+{}", alert.source,
                                alert.summary.empty() ? alert.fingerprint : alert.summary,
                                FormatDuration(*run_.ttd_alert)));
    }
    for (const Guard& g : drill_.guards) {
      if (g.kind != GuardKind::kAlert || !AlertMatches(alert, g.match)) continue;
      std::string why = fmt::format("alert from {} matches ({})", alert.source,
                                    alert.summary.empty() ? alert.fingerprint : alert.summary);
      if (run_.abort_reason) return;
      rec_.Record(EventKind::kGuardTripped,
                  GuardTripped{.guard = g.name, .reason = why, .fingerprint = alert.fingerprint},
                  fmt::format("guard {} tripped: {}", g.name, why));
      run_.RequestAbort(fmt::format("guard {} tripped", g.name));
    }
  }

  const RunState& run() const { return run_; }

 private:
  // Sleeps until `deadline` or an abort, whichever comes first. Returns false on abort.
  // Window times follow the clock's UTC (a wait of days follows the system's time of day); the
  // wait itself is on the monotonic clock, re-checked when it ends.
  asio::awaitable<bool> SleepUntil(SysTime deadline) {
    while (!run_.abort_reason) {
      auto left = deadline - facts_.clock().Utc();
      if (left <= Duration(0)) co_return true;
      co_await wake_->WaitUntil(facts_.Now() + left);
    }
    co_return false;
  }

  // The run, whatever it throws: an exception anywhere restores every fault in place, records
  // why and ends the run like an abort (kExitAborted when everything was restored).
  asio::awaitable<void> Guarded() {
    std::exception_ptr failure;
    try {
      co_await Main();
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure) {
      co_await EndRunRow();
      co_return;
    }
    if (run_.phase == "closed" || run_.phase == "restore-failed") {
      // The run had ended; only its paperwork (the postmortem) failed.
      rec_.Warn(
          fmt::format("firedrill run: internal error after the run ended: {}\n", What(failure)));
      co_await EndRunRow();
      co_return;
    }
    InternalError(run_.phase, What(failure));
    if (!run_.abort_reason) run_.abort_reason = "internal error: " + What(failure);
    std::exception_ptr again;
    try {
      co_await RestoreAll();
    } catch (...) {
      again = std::current_exception();
    }
    if (again) {
      // The restore path itself failed: the ledger still holds every fault not restored.
      rec_.Warn(fmt::format(
          "firedrill run: internal error while restoring: {}; run `firedrill recover` to "
          "restore what is left in place\n",
          What(again)));
      exit_ = kExitRestoreIncomplete;
    }
    co_await EndRunRow();
  }

  // Marks the run ended in the runs table, with the outcome its records show; everything the run
  // recorded is on disk when this completes.
  asio::awaitable<void> EndRunRow() {
    if (run_.run_id.empty()) co_return;
    co_await rec_.Flush();
    std::string outcome = "in-progress";
    if (auto events = LoadRunEvents(db_, drill_.id, run_.run_id); events.ok()) {
      outcome = OutcomeName(DeriveRunFacts(*events, nullptr, TimelineDetail::kNone).outcome);
    }
    std::function<Status(Database&)> end = [run_id = run_.run_id, at = facts_.UtcNow(),
                                            outcome](Database& db) {
      return RunTable(db).End(run_id, at, outcome);
    };
    Status st = co_await rec_.Write(std::move(end));
    if (!st) {
      rec_.Warn(fmt::format("firedrill: warning: the runs table was not updated: {}\n",
                            st.error().message));
    }
  }

  asio::awaitable<void> Main() {
    run_.run_id = fmt::format("{}-{}", drill_.id, facts_.UtcNow().time_since_epoch().count());
    plan_ = PlanDrill(drill_);
    const DrillPlan& plan = plan_;
    rec_.Record(EventKind::kRunStarted,
                RunStarted{.file = opt_.drill_file,
                           // the record stands on its own: postmortem, audit
                           .source = opt_.drill_source,
                           .drill_facts = DrillFactsOf(drill_),  // what the audit reads, unparsed
                           .window_start = plan.window_start,
                           .window_end = plan.window_end},
                fmt::format("drill {} ({}): run {} started", drill_.id, drill_.title, run_.run_id));
    // In the runs table from now until it ends: `status` shows it whichever process runs it,
    // and if this process dies, whoever restores its faults closes it.
    {
      std::function<Status(Database&)> begin =
          [run = RunRecord{run_.run_id, drill_.id, facts_.UtcNow(), ProcessStamp::Self(),
                           std::nullopt, ""}](Database& db) { return RunTable(db).Begin(run); };
      Status st = co_await rec_.Write(std::move(begin));
      if (!st) {
        rec_.Warn(fmt::format("firedrill: warning: the run is not in the runs table: {}\n",
                              st.error().message));
      }
    }
    if (wheel_) {
      // Sealed in the record, not shown: the team is not to know what comes, or when. SpinWheel
      // with this seed replays the choice (docs/drill-file.md).
      rec_.Record(EventKind::kWheelSpun,
                  WheelSpun{.seed = std::to_string(wheel_->seed),
                            .faults = wheel_->faults,
                            .offset_ms = wheel_->offset.count()},
                  "wheel of misfortune spun; the seed and the choice are sealed in the record");
    }
    if (opt_.announced_at) {
      // Copied into the run, so that its record stands on its own (postmortem, audit).
      rec_.Record(
          EventKind::kAnnounced, Announced{.at = *opt_.announced_at},
          fmt::format("announced at {}", FormatInZone(*opt_.announced_at, drill_.window.zone)));
    }
    // The same decision `firedrill plan` reports (CheckStart): refused at once when the window
    // is over; the rest of it is made at injection (CheckAlertsAndAnnouncement).
    if (StartVerdict start = CheckStart(drill_, plan, facts_.clock().Utc(), AdmissionFacts{});
        start.refused_now) {
      co_return Refuse({*start.refused_now});
    }
    if (facts_.clock().Utc() < plan.faults.front().inject_at) {
      rec_.Record(EventKind::kWaiting, Waiting{.inject_at = plan.faults.front().inject_at},
                  fmt::format("waiting for the window: first injection at {}",
                              FormatInZone(plan.faults.front().inject_at, drill_.window.zone)));
      asio::co_spawn(io_, Countdown(plan.faults.front().inject_at), asio::detached);
      // GCC 12 miscompiles co_await inside a condition; await into a variable first.
      bool opened = co_await SleepUntil(plan.faults.front().inject_at);
      countdown_timer_->Cancel();  // its next wake-up must not hold the loop open
      if (!opened) {
        rec_.Record(EventKind::kAborted, Aborted{.reason = *run_.abort_reason},
                    fmt::format("aborted before injecting anything: {}", *run_.abort_reason));
        exit_ = kExitAborted;
        co_return;
      }
    }
    bool safe = co_await Preflight();
    if (!safe) co_return;
    bool injected_all = co_await InjectAll(plan);
    if (injected_all) co_await Active(plan);
    co_await RestoreAll();
  }

  // Shows the wait where there is no live block: a progress line every 10 minutes. Ends when the
  // wait does (countdown_timer_ is cancelled then).
  asio::awaitable<void> Countdown(SysTime deadline) {
    if (opt_.json || live_) co_return;  // the live block counts down itself
    std::ostream& out = rec_.out();
    const Duration step = std::chrono::minutes(10);
    bool first = true;
    while (!run_.abort_reason) {
      auto left = std::chrono::floor<std::chrono::seconds>(deadline - facts_.clock().Utc());
      if (left <= Duration(0)) break;
      if (!first) {
        fmt::print(out, "          still waiting: the first injection is in {}\n",
                   FormatDuration(left));
        out.flush();
      }
      first = false;
      const Duration next = std::min<Duration>(step, deadline - facts_.clock().Utc());
      bool ticked = co_await countdown_timer_->WaitUntil(facts_.Now() + next);
      if (!ticked) break;  // cancelled: the wait is over
    }
  }

  void Refuse(std::vector<std::string> reasons) {
    rec_.Record(EventKind::kPreflightRefused, PreflightRefused{.reasons = reasons},
                fmt::format("refused to inject: {}", fmt::join(reasons, "; ")));
    exit_ = kExitRefused;
  }

  // "Look both ways": targets reachable, probes green, guards enforceable, fault preconditions
  // hold. Captures each fault's prior state for the ledger.
  asio::awaitable<bool> Preflight() {
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

  // The preflight checks that need no target (see CheckAdmission); records an overridden
  // announcement lead and copies the briefing into the run, so that its record stands on its own
  // (postmortem, audit).
  void CheckAlertsAndAnnouncement(std::vector<std::string>& problems) {
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

  // Connects one remote target; on failure sets `problem`.
  asio::awaitable<void> ConnectTarget(const std::string& name, std::string& problem) {
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

  // Checks that probe `p` is green before anything is broken; otherwise sets `problem`.
  // A probe must answer green before anything is injected. One slow or failed answer is not a
  // broken service (a loaded machine, a lost packet), so a red probe is asked again, its
  // interval apart, up to kPreflightProbeAsks times; the first green answer passes, and the
  // refusal gives the last answer.
  asio::awaitable<void> PreflightProbe(const Probe& p, std::string& problem) {
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

  // Builds the runtime of fault `f` and captures its prior state (its preconditions are checked
  // there); on failure sets `problem`. Leaves `fault` empty when its target did not come up
  // (already reported).
  asio::awaitable<void> PrepareFault(const FaultSpec& f, std::unique_ptr<Fault>& fault,
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

  // Injects the plan's faults at their times. Faults of one group due at the same instant (one
  // fault written with several targets) form a batch injected in parallel, at most `parallel` at
  // once; a partial failure is rolled back or continued by the fault's `on_partial`, never left
  // ambiguous. Returns false when the drill must not go on (the restore then runs).
  asio::awaitable<bool> InjectAll(const DrillPlan& plan) {
    run_.phase = "injecting";
    std::size_t i = 0;
    while (i < plan.faults.size()) {
      const PlannedFault& first = plan.faults[i];
      bool due = co_await SleepUntil(first.inject_at);
      if (!due) co_return false;
      const FaultSpec* head = FindSpec(first.id);
      if (head == nullptr) {
        run_.RequestAbort(
            fmt::format("internal error: the plan names fault {}, which the drill "
                        "does not have",
                        first.id));
        co_return false;
      }
      std::vector<const FaultSpec*> batch{head};
      std::size_t j = i + 1;
      while (j < plan.faults.size() && plan.faults[j].inject_at == first.inject_at &&
             GroupOf(plan.faults[j].id) == head->group) {
        batch.push_back(FindSpec(plan.faults[j].id));
        ++j;
      }
      i = j;
      bool go_on = co_await InjectBatch(plan, batch);
      if (!go_on) co_return false;
    }
    co_return true;
  }

  // Where one member of a batch got to.
  enum class Outcome { kNotTried, kInjected, kFailed };

  asio::awaitable<bool> InjectBatch(const DrillPlan& plan,
                                    const std::vector<const FaultSpec*>& batch) {
    const FaultSpec& head = *batch.front();
    std::vector<Outcome> outcome(batch.size(), Outcome::kNotTried);
    co_await FanOut(
        io_, batch.size(), static_cast<std::size_t>(std::max(1, head.parallel)),
        [&](std::size_t k) { return InjectMember(plan, *batch[k], outcome[k]); },
        [this] { return run_.abort_reason.has_value(); });
    if (run_.abort_reason) co_return false;
    std::vector<std::string> injected;
    std::vector<std::string> failed;
    for (std::size_t k = 0; k < batch.size(); ++k) {
      if (outcome[k] == Outcome::kInjected) injected.push_back(batch[k]->target);
      if (outcome[k] == Outcome::kFailed) failed.push_back(batch[k]->target);
    }
    if (failed.empty()) co_return true;
    const bool fanned = batch.size() > 1;
    if (!fanned) {
      run_.RequestAbort(fmt::format("injection of {} failed", head.id));
      co_return false;
    }
    if (head.on_partial == PartialPolicy::kRollback || injected.empty()) {
      rec_.Record(
          EventKind::kPartialInjection,
          PartialInjection{
              .fault = head.group, .injected = injected, .failed = failed, .policy = "rollback"},
          fmt::format("{} failed on {} of {} targets ({}); rolling back everywhere", head.group,
                      failed.size(), batch.size(), fmt::join(failed, ", ")));
      run_.RequestAbort(fmt::format("partial injection of {} rolled back", head.group));
      co_return false;
    }
    // on_partial = continue: undo it where it failed (a half-applied fault), then go on with the
    // targets that have it; the record names both.
    for (std::size_t k = 0; k < batch.size(); ++k) {
      if (outcome[k] != Outcome::kFailed) continue;
      auto entry = std::find_if(ledger_.begin(), ledger_.end(),
                                [&](const LedgerEntry& e) { return e.fault_id == batch[k]->id; });
      if (entry == ledger_.end()) continue;  // failed before its ledger entry: nothing applied
      RestoreResult r = co_await RestoreOne(*entry);  // leaves the ledger list when restored
      if (!r.restored) {
        run_.RequestAbort(fmt::format("{} could not be undone on {} after a failed injection",
                                      batch[k]->id, batch[k]->target));
        co_return false;
      }
    }
    rec_.Record(
        EventKind::kPartialInjection,
        PartialInjection{
            .fault = head.group, .injected = injected, .failed = failed, .policy = "continue"},
        fmt::format("{} is in place on {} of {} targets ({}); failed and undone on {}; "
                    "continuing (on_partial = continue)",
                    head.group, injected.size(), batch.size(), fmt::join(injected, ", "),
                    fmt::join(failed, ", ")));
    co_return true;
  }

  asio::awaitable<void> InjectMember(const DrillPlan& plan, const FaultSpec& spec,
                                     Outcome& outcome) {
    bool ok = co_await InjectOne(plan, spec);
    outcome = ok ? Outcome::kInjected : Outcome::kFailed;
  }

  // One fault on one target: ledger entry (durable first), dead man's switch for a remote target,
  // inject, verify. Records what happened; returns whether the fault is in place.
  asio::awaitable<bool> InjectOne(const DrillPlan& plan, const FaultSpec& spec) {
    LedgerEntry entry;
    entry.run_id = run_.run_id;
    entry.drill_id = drill_.id;
    entry.fault_id = spec.id;
    entry.kind = spec.kind;
    entry.target = spec.target;
    entry.drill_source = opt_.drill_source;
    entry.drill_file = opt_.drill_file;
    entry.state = states_[spec.id];
    entry.status = LedgerStatus::kInjecting;
    FaultContext ctx{spec, *FindRunner(runners_, spec.target), drill_.id};
    Fault& fault = *faults_[spec.id];
    // What a restore from another shell needs (recover): the plugins the drill's text names, and
    // the text for undoing it by hand that this run would print.
    entry.plugins = plugin_paths_;
    entry.manual = spec.restore_command.value_or(fault.ManualRestore(ctx, entry.state));
    // Durable before the fault exists.
    std::function<Expected<std::int64_t>(Database&)> intent = [entry](Database& db) {
      return FaultLedger(db).RecordIntent(entry);
    };
    Expected<std::int64_t> id = co_await rec_.Write(std::move(intent));
    if (!id.ok()) {
      rec_.Record(EventKind::kInjectFailed,
                  InjectFailed{.fault = spec.id, .error = id.error().message},
                  fmt::format("not injecting {}: the fault ledger cannot be written: {}", spec.id,
                              id.error().message));
      co_return false;
    }
    entry.id = *id;
    ledger_.push_back(entry);  // from here on, every ending restores it
    // Every process the inject starts is in the ledger before it may run: after a crash,
    // whoever restores the fault makes sure none of them still runs (KillRecordedProcesses).
    const std::int64_t ledger_id = *id;
    ctx.inject_hooks.on_started = [this,
                                   ledger_id](const ProcessIdentity& p) -> asio::awaitable<Status> {
      std::function<Status(Database&)> add = [ledger_id, p](Database& db) {
        return FaultLedger(db).AddProcess(ledger_id, p);
      };
      co_return co_await rec_.Write(std::move(add));
    };
    if (dynamic_cast<SshRunner*>(&ctx.runner) != nullptr) {
      // On another machine, a restore that fires by itself if this process never comes back.
      std::string undo = spec.restore_command.value_or(fault.ManualRestore(ctx, states_[spec.id]));
      Duration fires_in = plan.give_up_at - facts_.clock().Utc();
      Status armed = co_await ArmDeadMansSwitch(ctx.runner, run_.run_id, spec.id, fires_in, undo);
      if (!armed) {
        rec_.Record(EventKind::kInjectFailed,
                    InjectFailed{.fault = spec.id, .error = armed.error().message},
                    fmt::format("not injecting {}: {}", spec.id, armed.error().message));
        co_return false;
      }
      armed_[spec.id] = plan.give_up_at;
      rec_.Record(
          EventKind::kDeadmanArmed,
          DeadmanArmed{.fault = spec.id,
                       .target = spec.target,
                       .fires_at = plan.give_up_at,
                       .name = DeadMansSwitchName(run_.run_id, spec.id)},
          fmt::format("dead man's switch armed on {}: restores {} at {} unless disarmed",
                      spec.target, spec.id, FormatInZone(plan.give_up_at, drill_.window.zone)));
    }
    const std::string prior = states_[spec.id];
    if (!run_.inject_began) {
      // From here on the run measures: anchor its fact times now, so that a long wait for the
      // window adds no drift to them.
      facts_.Reanchor();
      run_.inject_began = facts_.UtcNow();
    }
    Expected<std::string> captured = co_await fault.InjectAndCapture(ctx, prior);
    // The fault is in place from the moment its inject returned (its check confirms it below).
    const SysTime applied = facts_.UtcNow();
    if (captured.ok() && *captured != prior) {
      // What inject learnt (a plugin's state) is what restore needs: durable before going on.
      std::function<Status(Database&)> keep =
          [id = *id, state = *captured,
           manual =
               spec.restore_command.value_or(fault.ManualRestore(ctx, *captured))](Database& db) {
            Status st = FaultLedger(db).SetState(id, state);
            return st ? FaultLedger(db).SetManual(id, manual) : st;
          };
      Status kept = co_await rec_.Write(std::move(keep));
      if (!kept) {
        rec_.Record(EventKind::kWarning, Warning{.fault = spec.id, .error = kept.error().message},
                    fmt::format("warning: the state {} returned at inject cannot be kept in the "
                                "ledger ({}); a restore after a crash uses the state before it",
                                spec.id, kept.error().message));
      }
      states_[spec.id] = *captured;
      for (LedgerEntry& e : ledger_) {
        if (e.id == *id) e.state = *captured;
      }
    }
    const std::string state = captured.ok() ? *captured : prior;
    // A fault nothing can observe (no check command) counts as in place once injected.
    Expected<bool> in_place =
        captured.ok() ? Expected<bool>(true) : Expected<bool>(captured.error());
    if (captured.ok() && fault.Checkable(ctx)) {
      in_place = co_await fault.Check(ctx, state);
    }
    if (!in_place.ok() || !*in_place) {
      std::string why =
          !in_place.ok() ? in_place.error().message : "its check says it is not in place";
      rec_.Record(EventKind::kInjectFailed,
                  InjectFailed{.fault = spec.id, .target = spec.target, .error = why},
                  fmt::format("injecting {} failed: {}", spec.id, why));
      co_return false;
    }
    rec_.Post(
        [id = *id](Database& db) { FaultLedger(db).SetStatus(id, LedgerStatus::kInjected).ok(); });
    const bool first = !run_.t0;
    if (first) {
      // T0, recorded once as its own fact: when the first fault was in place (its inject
      // returned), as its check has now confirmed. Every TTD and TTR is measured from it.
      run_.t0 = applied;
      rec_.RecordAt(applied, EventKind::kT0,
                    T0{.at = applied, .fault = spec.id, .target = spec.target},
                    fmt::format("T0: {} in place on {}", spec.id, spec.target));
    }
    rec_.RecordAt(applied, EventKind::kFaultInjected,
                  FaultInjected{.fault = spec.id, .kind = spec.kind, .target = spec.target},
                  fmt::format("injected {} ({} on {})", spec.id, spec.kind, spec.target));
    if (first) {
      // Held while the first fault was being confirmed: weighed as if received at T0.
      std::vector<Alert> held = std::move(held_alerts_);
      held_alerts_.clear();
      for (const Alert& a : held) WeighAlert(a, applied);
    }
    co_return true;
  }

  asio::awaitable<void> Active(const DrillPlan& plan) {
    run_.phase = "active";
    rec_.Record(EventKind::kActive, firedrill::Active{.restore_at = plan.restore_at},
                fmt::format("drill active: the faults stay in place until the restore point at "
                            "{} (or an abort); detection and recovery are timed meanwhile",
                            FormatInZone(plan.restore_at, drill_.window.zone)));
    watch_.Start();
    co_await SleepUntil(plan.restore_at);
    watch_.Stop();
  }

  // Undoes every fault of this run still in place, newest first, with the fault objects and
  // runners preflight built (no re-reading of the drill), retrying with backoff until the give-up
  // point of the window, with a last attempt at it. Never marks a fault restored that its check
  // did not confirm. Every attempt, failed or not, is recorded and shown as it happens.
  asio::awaitable<void> RestoreAll() {
    run_.phase = "restoring";
    run_.restoring = true;
    watch_.Stop();
    std::string reason = run_.abort_reason.value_or("the restore point of the window was reached");
    rec_.Record(EventKind::kRestoreStarted, RestoreStarted{.reason = reason},
                fmt::format("restoring: {}", reason));
    std::vector<LedgerEntry> pending(ledger_.rbegin(), ledger_.rend());
    std::vector<UnrestoredEntry> remaining;
    Duration backoff = std::chrono::seconds(1);
    for (int attempt = 1;; ++attempt) {
      remaining.clear();
      std::vector<LedgerEntry> still;
      const SysTime now = facts_.clock().Utc();
      // The next attempt: after the backoff, and never later than the give-up point, where the
      // last attempt is made. None after the give-up point.
      const std::optional<SysTime> next =
          now < plan_.give_up_at ? std::optional<SysTime>(std::min(now + backoff, plan_.give_up_at))
                                 : std::nullopt;
      // Newest first; the members of one fan-out group (one fault on many targets) together.
      std::size_t i = 0;
      while (i < pending.size()) {
        const FaultSpec* head = FindSpec(pending[i].fault_id);
        const std::string group = GroupOf(pending[i].fault_id);
        std::size_t j = i + 1;
        while (j < pending.size() && GroupOf(pending[j].fault_id) == group) ++j;
        std::vector<RestoreResult> results(j - i);
        int parallel = head != nullptr ? std::max(1, head->parallel) : 1;
        co_await FanOut(io_, j - i, static_cast<std::size_t>(parallel), [&](std::size_t k) {
          return RestoreMember(pending[i + k], attempt, next, results[k]);
        });
        for (std::size_t k = 0; k < results.size(); ++k) {
          if (!results[k].restored) {
            still.push_back(pending[i + k]);
            remaining.emplace_back(pending[i + k], std::move(results[k]));
          }
        }
        i = j;
      }
      pending = std::move(still);
      if (pending.empty() || !next) break;
      co_await backoff_timer_->WaitUntil(facts_.Now() + (*next - facts_.clock().Utc()));
      backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(30));
    }
    exit_ = co_await CloseRun(run_, rec_, opt_, remaining, ArmedSwitches(remaining));
  }

  asio::awaitable<void> RestoreMember(const LedgerEntry& e, int attempt,
                                      std::optional<SysTime> next, RestoreResult& result) {
    result = co_await RestoreOne(e, attempt, next);
  }

  // Restores one ledger entry of this run (attempt number `attempt`; the next one is due at
  // `next`, if any) and records the outcome: the ledger row, and `fault-restored` or
  // `restore-failed` through the recorder (so that it is shown and streamed like every event).
  asio::awaitable<RestoreResult> RestoreOne(LedgerEntry e, int attempt = 1,
                                            std::optional<SysTime> next = std::nullopt) {
    auto fault = faults_.find(e.fault_id);
    CommandRunner* runner = FindRunner(runners_, e.target);
    const FaultSpec* spec = FindSpec(e.fault_id);
    RestoreAttempt tried;
    if (fault == faults_.end() || runner == nullptr || spec == nullptr) {
      // Not built by this run's preflight (cannot happen for entries it wrote).
      tried.message = fmt::format("fault {} has no runtime in this run", e.fault_id);
      tried.manual = "undo it by hand; the ledger state is: " + e.state;
    } else {
      FaultContext ctx{*spec, *runner, drill_.id};
      try {
        tried = co_await AttemptRestore(*fault->second, ctx, e.state);
      } catch (const std::exception& ex) {
        // A bug in a fault kind must not stop the other restores, nor this one's retries.
        tried.message = fmt::format("internal error while restoring: {}", ex.what());
        tried.manual = fault->second->ManualRestore(ctx, e.state);
      }
    }
    RestoreResult result = co_await RecordRestoreAttempt(e, tried, attempt, next);
    if (result.restored && runner != nullptr && dynamic_cast<SshRunner*>(runner) != nullptr) {
      Status disarmed = co_await DisarmDeadMansSwitch(*runner, run_.run_id, e.fault_id);
      if (disarmed) {
        armed_.erase(e.fault_id);
        rec_.Record(EventKind::kDeadmanDisarmed,
                    DeadmanDisarm{.fault = e.fault_id, .target = e.target},
                    fmt::format("dead man's switch of {} disarmed", e.fault_id));
      } else {
        // Harmless if it fires (restores are idempotent), but worth knowing.
        rec_.Record(EventKind::kDeadmanDisarmFailed,
                    DeadmanDisarm{.fault = e.fault_id, .error = disarmed.error().message},
                    fmt::format("warning: {}", disarmed.error().message));
      }
    }
    co_return result;
  }

  // The ledger row and the event of one restore attempt; a ledger that cannot be updated makes
  // the attempt a failure, so a fault is never reported restored without a record saying so.
  asio::awaitable<RestoreResult> RecordRestoreAttempt(LedgerEntry e, RestoreAttempt tried,
                                                      int attempt, std::optional<SysTime> next) {
    if (tried.restored) {
      std::function<Status(Database&)> restored = [id = e.id,
                                                   checked = tried.checked](Database& db) {
        return FaultLedger(db).SetStatus(id, LedgerStatus::kRestored, checked ? "" : "unchecked");
      };
      Status st = co_await rec_.Write(std::move(restored));
      if (st) {
        std::erase_if(ledger_, [&](const LedgerEntry& x) { return x.id == e.id; });
        rec_.Record(EventKind::kFaultRestored, RestorePayload(e, tried.checked, tried.message),
                    tried.message);
        co_return RestoreResult{true, tried.message, "", tried.checked};
      }
      tried.restored = false;
      tried.message = "restored, but the ledger could not be updated: " + st.error().message;
    }
    std::function<Status(Database&)> failed = [id = e.id, note = tried.message](Database& db) {
      return FaultLedger(db).SetStatus(id, LedgerStatus::kRestoreFailed, note);
    };
    Status noted = co_await rec_.Write(std::move(failed));
    if (!noted) {
      rec_.Warn(
          fmt::format("firedrill: the ledger could not be updated: {}\n", noted.error().message));
    }
    FaultRestored payload = RestorePayload(e, false, tried.message);
    payload.attempt = attempt;
    payload.next_attempt_at = next;
    rec_.Record(
        EventKind::kRestoreFailed, payload,
        fmt::format("restore of {} failed (attempt {}): {}; {}", e.fault_id, attempt, tried.message,
                    next
                        ? fmt::format("next attempt at {}", FormatInZone(*next, drill_.window.zone))
                        : std::string("no attempt is left before the give-up point")));
    co_return RestoreResult{false, tried.message, tried.manual};
  }

  // The dead man's switches still armed for faults that remain in place, with when they fire.
  std::vector<ArmedSwitch> ArmedSwitches(const std::vector<UnrestoredEntry>& remaining) const {
    std::vector<ArmedSwitch> out;
    for (const auto& [e, r] : remaining) {
      auto it = armed_.find(e.fault_id);
      if (it != armed_.end()) out.push_back({e.fault_id, e.target, it->second});
    }
    return out;
  }

  // The drill's fault `id`, or nullptr. Ids come from this drill's plan and from the ledger rows
  // this run wrote, so nullptr is a bug; callers turn it into a failed step, never into another
  // fault's spec (which would inject or restore the wrong fault).
  const FaultSpec* FindSpec(const std::string& id) const {
    for (const FaultSpec& f : drill_.faults) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }
  // What fan-out group a fault restores with: its spec's, or (no spec) a group of its own.
  std::string GroupOf(const std::string& id) const {
    const FaultSpec* spec = FindSpec(id);
    return spec != nullptr ? spec->group : "\n" + id;
  }

  EngineEnv env_;
  FactClock facts_;
  // The wheel of misfortune's choice for this run, and the drill as this run executes it.
  std::optional<WheelChoice> wheel_;
  Drill spun_;
  const Drill& drill_;
  const RunOptions& opt_;
  Database& db_;
  RunState run_;
  RunRecorder rec_;
  RunControl control_handler_;
  asio::io_context& io_;
  std::size_t fan_width_;  // targets connected, probed and prepared at once at preflight
  std::unique_ptr<RunTimer> wake_;
  std::unique_ptr<RunTimer> countdown_timer_;
  std::unique_ptr<LiveDisplay> live_;  ///< the live block, on a terminal only
  std::unique_ptr<RunTimer> backoff_timer_ = facts_.clock().MakeTimer(io_.get_executor());
  ProbeChecker check_probe_;
  RunnerMap runners_;
  RunWatch watch_;
  std::map<std::string, std::unique_ptr<Fault>> faults_;
  std::map<std::string, std::string> states_;
  std::vector<Alert> held_alerts_;        ///< arrived while the first fault was being injected
  std::vector<LedgerEntry> ledger_;       // this run's ledger entries, in injection order
  std::map<std::string, SysTime> armed_;  // dead man's switches armed, by fault: when they fire
  // The executables of the plugin kinds the drill's text names (every fault, drawn or not).
  std::vector<std::string> plugin_paths_;
  DrillPlan plan_;
  int exit_ = kExitOk;
};

DrillEngine::DrillEngine(asio::io_context& io, const Drill& drill, const RunOptions& options,
                         Database& db, RecordWriter& writer, std::ostream& out, std::ostream& err,
                         EngineEnv env)
    : impl_(std::make_unique<Impl>(io, drill, options, db, writer, out, err, std::move(env))) {}

DrillEngine::~DrillEngine() = default;

void DrillEngine::Start(std::function<void(int)> done) { impl_->Start(std::move(done)); }

bool DrillEngine::RequestAbort(std::string reason) {
  return impl_->RequestAbort(std::move(reason));
}

ControlResponse DrillEngine::HandleControl(const ControlRequest& request) {
  return impl_->HandleControl(request);
}

void DrillEngine::OnAlert(const Alert& alert) { impl_->OnAlert(alert); }

const std::string& DrillEngine::run_id() const { return impl_->run().run_id; }
const std::string& DrillEngine::phase() const { return impl_->run().phase; }
bool DrillEngine::restoring() const { return impl_->run().restoring; }
const std::optional<SysTime>& DrillEngine::t0() const { return impl_->run().t0; }
const RunState& DrillEngine::state() const { return impl_->run(); }

}  // namespace firedrill
