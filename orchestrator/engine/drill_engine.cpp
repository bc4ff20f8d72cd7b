// DrillEngine and the lifecycle of its run (drill_engine_impl.h): the engine made, the run
// started, the run in order (Main), waiting, what ends the run's row, internal errors, and what
// comes in from outside while it runs (aborts, control requests, alerts).
#include "orchestrator/engine/drill_engine.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/alerts/alert_match.h"
#include "orchestrator/engine/admission.h"
#include "orchestrator/engine/drill_engine_impl.h"
#include "orchestrator/engine/probe_check.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/run_table.h"
#include "plugins/plugin_fault.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

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

}  // namespace

DrillEngine::Impl::Impl(asio::io_context& io, const Drill& drill, const RunOptions& options,
                        Database& db, RecordWriter& writer, std::ostream& out, std::ostream& err,
                        EngineEnv env)
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

void DrillEngine::Impl::Start(std::function<void(int)> done) {
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

bool DrillEngine::Impl::RequestAbort(std::string reason) {
  return run_.RequestAbort(std::move(reason));
}

void DrillEngine::Impl::InternalError(const std::string& where, const std::string& what) {
  rec_.Record(
      EventKind::kInternalError,
      firedrill::InternalError{.where = where, .error = what, .phase = run_.phase},
      fmt::format("internal error in {}: {}; every fault in place is being restored", where, what));
  run_.RequestAbort(fmt::format("internal error in {}: {}", where, what));
}

std::string DrillEngine::Impl::What(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

ControlResponse DrillEngine::Impl::HandleControl(const ControlRequest& request) {
  return control_handler_.Handle(request);
}

void DrillEngine::Impl::OnAlert(const Alert& alert) {
  if (alert.status != "firing" || !run_.inject_began || run_.restoring) return;
  if (!run_.t0) {
    // Injecting: the alert may be the first fault's doing before its check has confirmed it.
    // Held until T0, then weighed as if it arrived then.
    held_alerts_.push_back(alert);
    return;
  }
  WeighAlert(alert, facts_.UtcNow());
}

void DrillEngine::Impl::WeighAlert(const Alert& alert, SysTime received) {
  SysTime at = alert.starts_at.value_or(received);
  if (!run_.ttd_alert && at >= *run_.inject_began && AlertMatches(alert, drill_.detection.match)) {
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

// Window times follow the clock's UTC (a wait of days follows the system's time of day); the
// wait itself is on the monotonic clock, re-checked when it ends.
asio::awaitable<bool> DrillEngine::Impl::SleepUntil(SysTime deadline) {
  while (!run_.abort_reason) {
    auto left = deadline - facts_.clock().Utc();
    if (left <= Duration(0)) co_return true;
    co_await wake_->WaitUntil(facts_.Now() + left);
  }
  co_return false;
}

asio::awaitable<void> DrillEngine::Impl::Guarded() {
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
    rec_.Warn(
        fmt::format("firedrill run: internal error while restoring: {}; run `firedrill recover` to "
                    "restore what is left in place\n",
                    What(again)));
    exit_ = kExitRestoreIncomplete;
  }
  co_await EndRunRow();
}

asio::awaitable<void> DrillEngine::Impl::EndRunRow() {
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

asio::awaitable<void> DrillEngine::Impl::Main() {
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

asio::awaitable<void> DrillEngine::Impl::Countdown(SysTime deadline) {
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
