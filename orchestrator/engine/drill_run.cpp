#include "orchestrator/engine/drill_run.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <random>

#include "drills/drill_plan.h"
#include "drills/zoned_time.h"
#include "faults/fault.h"
#include "orchestrator/control/control_server.h"
#include "orchestrator/engine/on_pool.h"
#include "orchestrator/engine/probe_check.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_summary.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/fault_ledger.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

constexpr char kActor[] = "orchestrator";

// What a probe has seen so far in the active phase.
struct ProbeState {
  int reds = 0;    // consecutive
  int greens = 0;  // consecutive
  bool unhealthy = false;
  bool was_red = false;
  bool recovered = false;
  std::optional<Clock::time_point> red_since;
};

class Engine : public ControlHandler {
 public:
  Engine(const Drill& drill, const RunOptions& options, Database& db, std::ostream& out,
         std::ostream& err)
      : drill_(drill),
        opt_(options),
        db_(db),
        out_(out),
        err_(err),
        wake_(io_),
        countdown_timer_(io_),
        control_(io_, options.state_dir, *this) {}

  int Run() {
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    WatchSignals(signals);
    // Acks and aborts from other terminals arrive here; a drill runs without it if it can't.
    if (Status st = control_.Start(); !st) {
      fmt::print(err_,
                 "firedrill: control endpoint unavailable ({}); acks will not reach this "
                 "drill\n",
                 st.error().message);
    }
    asio::co_spawn(io_, Main(), [&](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          fmt::print(err_, "firedrill run: internal error: {}\n", ex.what());
        }
        exit_ = kExitFailure;
      }
      signals.cancel();
      control_.Stop();
    });
    io_.run();
    pool_.join();
    return exit_;
  }

 private:
  // --- output and records ------------------------------------------------------------------
  void Record(const std::string& kind, json::object payload, const std::string& text,
              const std::string& actor = kActor) {
    payload["run"] = run_id_;
    std::string body = json::serialize(payload);
    auto ev = EventLog(db_).Append({drill_.id, kind, actor, body, {}});
    if (!ev.ok())
      fmt::print(err_, "firedrill: could not record {}: {}\n", kind, ev.error().message);
    SysTime ts = ev.ok() ? ev->ts : NowUtc();
    if (opt_.json) {
      json::object line{{"ts", FormatUtc(ts)}, {"event", kind}, {"drill", drill_.id}};
      line["payload"] = std::move(payload);
      out_ << json::serialize(line) << "\n" << std::flush;
    } else {
      fmt::print(out_, "{}  {}\n", FormatInZone(ts, drill_.window.zone).substr(11, 8), text);
      out_.flush();
    }
  }

  void WatchSignals(asio::signal_set& signals) {
    signals.async_wait([this, &signals](boost::system::error_code ec, int sig) {
      if (ec) return;
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (restoring_) {
        fmt::print(err_,
                   "firedrill: {} received while restoring; the restore goes on so that "
                   "no fault is left behind\n",
                   name);
      } else if (!abort_reason_) {
        abort_reason_ = fmt::format("{} received", name);
        wake_.cancel();
      }
      WatchSignals(signals);
    });
  }

  // Sleeps until `deadline` or an abort, whichever comes first. Returns false on abort.
  awaitable<bool> SleepUntil(SysTime deadline) {
    while (!abort_reason_) {
      auto left = deadline - NowUtc();
      if (left <= Duration(0)) co_return true;
      wake_.expires_after(left);
      co_await wake_.async_wait(asio::as_tuple(use_awaitable));
    }
    co_return false;
  }

  // --- phases -------------------------------------------------------------------------------
  awaitable<void> Main() {
    state_ = "waiting";
    run_id_ = fmt::format("{}-{}", drill_.id, NowUtc().time_since_epoch().count());
    DrillPlan plan = PlanDrill(drill_);
    Record("run-started",
           {{"file", opt_.drill_file},
            {"source", opt_.drill_source},  // the record stands on its own: postmortem, audit
            {"window_start", FormatUtc(plan.window_start)},
            {"window_end", FormatUtc(plan.window_end)}},
           fmt::format("drill {} ({}): run {} started", drill_.id, drill_.title, run_id_));
    if (NowUtc() >= plan.restore_at) {
      co_return Refuse(
          {fmt::format("the window is over or too close to its end (auto-restore "
                       "was due at {})",
                       FormatInZone(plan.restore_at, drill_.window.zone))});
    }
    if (NowUtc() < plan.faults.front().inject_at) {
      Record("waiting", {{"inject_at", FormatUtc(plan.faults.front().inject_at)}},
             fmt::format("waiting for the window: first injection at {}",
                         FormatInZone(plan.faults.front().inject_at, drill_.window.zone)));
      asio::co_spawn(io_, Countdown(plan.faults.front().inject_at), asio::detached);
      // GCC 12 miscompiles co_await inside a condition; await into a variable first.
      bool opened = co_await SleepUntil(plan.faults.front().inject_at);
      countdown_timer_.cancel();  // its next wake-up must not hold the loop open
      if (!opened) {
        Record("aborted", {{"reason", *abort_reason_}},
               fmt::format("aborted before injecting anything: {}", *abort_reason_));
        exit_ = kExitAborted;
        co_return;
      }
    }
    bool safe = co_await Preflight();
    if (!safe) co_return;
    bool injected_all = co_await InjectAll(plan);
    if (injected_all) co_await Active(plan);
    co_await RestoreAll(plan);
  }

  // Shows the wait: a line redrawn every second on a terminal, else a line every 10 minutes.
  // Ends when the wait does (countdown_timer_ is cancelled then).
  awaitable<void> Countdown(SysTime deadline) {
    if (opt_.json) co_return;
    const Duration step = opt_.live_countdown ? Duration(std::chrono::seconds(1))
                                              : Duration(std::chrono::minutes(10));
    bool first = true;
    while (!abort_reason_) {
      auto left = std::chrono::floor<std::chrono::seconds>(deadline - NowUtc());
      if (left <= Duration(0)) break;
      if (opt_.live_countdown) {
        fmt::print(out_, "\r  window opens in {}  (Ctrl-C cancels) \033[K", FormatDuration(left));
        out_.flush();
      } else if (!first) {
        fmt::print(out_, "          still waiting: the window opens in {}\n", FormatDuration(left));
        out_.flush();
      }
      first = false;
      countdown_timer_.expires_after(std::min<Duration>(step, deadline - NowUtc()));
      auto [ec] = co_await countdown_timer_.async_wait(asio::as_tuple(use_awaitable));
      if (ec) break;  // cancelled: the wait is over
    }
    if (opt_.live_countdown) {
      fmt::print(out_, "\r\033[K");
      out_.flush();
    }
  }

  void Refuse(std::vector<std::string> reasons) {
    json::array arr;
    for (const auto& r : reasons) arr.push_back(json::value(r));
    Record("preflight-refused", {{"reasons", arr}},
           fmt::format("refused to inject: {}", fmt::join(reasons, "; ")));
    exit_ = kExitRefused;
  }

  awaitable<bool> Preflight() {
    state_ = "preflight";
    std::vector<std::string> problems;
    for (const auto& [name, target] : drill_.targets) {
      auto r = MakeRunner(target);
      if (!r.ok()) {
        problems.push_back(r.error().message);
        continue;
      }
      runners_[name] = std::move(*r);
    }
    for (const Probe& p : drill_.probes) {
      ProbeOutcome o = co_await CheckProbe(p, Runner(p.target), pool_);
      if (!o.green) problems.push_back(fmt::format("probe {} is not green: {}", p.name, o.detail));
    }
    for (const FaultSpec& f : drill_.faults) {
      std::unique_ptr<Fault> fault = MakeBuiltinFault(f.kind);
      CommandRunner* runner = Runner(f.target);
      if (!fault || runner == nullptr) {
        if (!fault)
          problems.push_back(fmt::format("fault {}: kind {} cannot run here", f.id, f.kind));
        continue;
      }
      FaultContext ctx{f, *runner, drill_.id};
      auto state = co_await OnPool(pool_, [&] { return fault->Prepare(ctx); });
      if (!state.ok()) {
        problems.push_back(fmt::format("fault {}: {}", f.id, state.error().message));
        continue;
      }
      states_[f.id] = *state;
      faults_[f.id] = std::move(fault);
    }
    if (!problems.empty()) {
      Refuse(problems);
      co_return false;
    }
    Record("preflight-passed", {{"probes", drill_.probes.size()}, {"faults", drill_.faults.size()}},
           "preflight passed: targets reachable, probes green, fault preconditions hold");
    co_return true;
  }

  awaitable<bool> InjectAll(const DrillPlan& plan) {
    state_ = "injecting";
    FaultLedger ledger(db_);
    for (const PlannedFault& pf : plan.faults) {
      bool due = co_await SleepUntil(pf.inject_at);
      if (!due) co_return false;
      const FaultSpec& spec = Spec(pf.id);
      LedgerEntry entry{0,
                        run_id_,
                        drill_.id,
                        spec.id,
                        spec.kind,
                        spec.target,
                        opt_.drill_source,
                        opt_.drill_file,
                        states_[spec.id],
                        LedgerStatus::kInjecting,
                        {},
                        {},
                        ""};
      auto id = ledger.RecordIntent(entry);  // durable before the fault exists
      if (!id.ok()) {
        abort_reason_ = "could not write the fault ledger: " + id.error().message;
        co_return false;
      }
      FaultContext ctx{spec, *Runner(spec.target), drill_.id};
      Fault& fault = *faults_[spec.id];
      Status st = co_await OnPool(pool_, [&] { return fault.Inject(ctx, states_[spec.id]); });
      // A fault nothing can observe (no check command) counts as in place once injected.
      Expected<bool> in_place = st.ok() ? Expected<bool>(true) : Expected<bool>(st.error());
      if (st.ok() && fault.Checkable(ctx)) {
        in_place = co_await OnPool(pool_, [&] { return fault.Check(ctx, states_[spec.id]); });
      }
      if (!in_place.ok() || !*in_place) {
        std::string why =
            !in_place.ok() ? in_place.error().message : "its check says it is not in place";
        Record("inject-failed", {{"fault", spec.id}, {"error", why}},
               fmt::format("injecting {} failed: {}", spec.id, why));
        abort_reason_ = fmt::format("injection of {} failed", spec.id);
        co_return false;
      }
      ledger.SetStatus(*id, LedgerStatus::kInjected).ok();
      if (!t0_) {
        t0_ = Clock::now();
        t0_wall_ = NowUtc();
      }
      Record("fault-injected", {{"fault", spec.id}, {"kind", spec.kind}, {"target", spec.target}},
             fmt::format("injected {} ({} on {})", spec.id, spec.kind, spec.target));
    }
    co_return true;
  }

  awaitable<void> Active(const DrillPlan& plan) {
    state_ = "active";
    Record("active", {{"restore_at", FormatUtc(plan.restore_at)}},
           fmt::format("drill active; auto-restore at {} unless recovered or aborted",
                       FormatInZone(plan.restore_at, drill_.window.zone)));
    for (const Probe& p : drill_.probes) asio::co_spawn(io_, ProbeLoop(p), asio::detached);
    co_await SleepUntil(plan.restore_at);
    probes_stop_ = true;
  }

  awaitable<void> ProbeLoop(const Probe& p) {
    ProbeState& s = probe_state_[p.name];
    asio::steady_timer timer(io_);
    while (!probes_stop_ && !abort_reason_) {
      ProbeOutcome o = co_await CheckProbe(p, Runner(p.target), pool_);
      if (probes_stop_) break;
      if (o.green) {
        s.reds = 0;
        ++s.greens;
        s.red_since.reset();
        if (s.unhealthy && s.greens >= p.healthy_after) {
          s.unhealthy = false;
          s.recovered = true;
          Record("probe-green", {{"probe", p.name}, {"detail", o.detail}},
                 fmt::format("probe {} green again ({} checks in a row)", p.name, s.greens));
          MaybeRecovered();
        }
      } else {
        s.greens = 0;
        ++s.reds;
        if (!s.red_since) s.red_since = Clock::now();
        if (!s.unhealthy && s.reds >= p.unhealthy_after) {
          s.unhealthy = true;
          s.was_red = true;
          Record("probe-red", {{"probe", p.name}, {"detail", o.detail}},
                 fmt::format("probe {} red: {}", p.name, o.detail));
        }
        CheckGuards(p, s);
      }
      timer.expires_after(p.interval);
      co_await timer.async_wait(asio::as_tuple(use_awaitable));
    }
  }

  void CheckGuards(const Probe& p, const ProbeState& s) {
    for (const Guard& g : drill_.guards) {
      if (g.kind != GuardKind::kProbe || g.probe != p.name || !s.red_since || abort_reason_) {
        continue;
      }
      if (Clock::now() - *s.red_since > g.max_red) {
        Record("guard-tripped", {{"guard", g.name}, {"probe", p.name}},
               fmt::format("guard {} tripped: probe {} red for more than {}", g.name, p.name,
                           FormatDuration(g.max_red)));
        abort_reason_ = fmt::format("guard {} tripped", g.name);
        wake_.cancel();
      }
    }
  }

  void MaybeRecovered() {
    if (recovered_ || !t0_ || drill_.probes.empty()) return;
    for (const Probe& p : drill_.probes) {
      const ProbeState& s = probe_state_[p.name];
      if (!s.was_red || s.unhealthy) return;
    }
    recovered_ = true;
    auto ttr = std::chrono::duration_cast<Duration>(Clock::now() - *t0_);
    ttr_probe_ = ttr;
    Record("recovered", {{"by", "probes"}, {"ttr_ms", ttr.count()}},
           fmt::format("service healthy again by its probes: TTR {}", FormatDuration(ttr)));
  }

  awaitable<void> RestoreAll(const DrillPlan& plan) {
    state_ = "restoring";
    restoring_ = true;
    probes_stop_ = true;
    std::string reason = abort_reason_.value_or("the restore point of the window was reached");
    Record("restore-started", {{"reason", reason}}, fmt::format("restoring: {}", reason));
    std::vector<std::pair<LedgerEntry, RestoreResult>> remaining;
    Duration backoff = std::chrono::seconds(1);
    std::vector<std::string> restored_messages;  // filled on the pool, printed here
    while (true) {
      // Restores open their own connection: they run on the pool while this loop may record.
      auto result = co_await OnPool(pool_, [&] {
        auto db = Database::Open(opt_.state_dir, OpenMode::kReadWrite);
        using R = Expected<std::vector<std::pair<LedgerEntry, RestoreResult>>>;
        if (!db.ok()) return R(db.error());
        auto all = FaultLedger(*db).ForRun(run_id_);
        if (!all.ok()) return R(all.error());
        std::vector<std::pair<LedgerEntry, RestoreResult>> left;
        for (auto it = all->rbegin(); it != all->rend(); ++it) {
          if (it->status == LedgerStatus::kRestored) continue;
          RestoreResult r = RestoreLedgerEntry(*db, *it, kActor);
          if (r.restored) {
            restored_messages.push_back(r.message);
          } else {
            left.emplace_back(*it, std::move(r));
          }
        }
        return R(std::move(left));
      });
      for (const std::string& m : restored_messages) {
        if (!opt_.json)
          fmt::print(out_, "{}  {}\n", FormatInZone(NowUtc(), drill_.window.zone).substr(11, 8), m);
      }
      restored_messages.clear();
      if (!result.ok()) {
        fmt::print(err_, "firedrill: restore: {}\n", result.error().message);
      } else {
        remaining = std::move(*result);
        if (remaining.empty()) break;
      }
      if (NowUtc() + backoff > plan.give_up_at) break;
      asio::steady_timer t(io_, backoff);
      co_await t.async_wait(asio::as_tuple(use_awaitable));
      backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(30));
    }
    Close(remaining);
  }

  void Close(const std::vector<std::pair<LedgerEntry, RestoreResult>>& remaining) {
    state_ = remaining.empty() ? "closed" : "restore-failed";
    bool team_recovered = drill_.probes.empty() ? ttr_human_.has_value() : recovered_;
    RunTimings timings{t0_wall_,
                       ttd_human_,
                       ttr_probe_,
                       ttr_human_,
                       t0_ && !team_recovered,
                       abort_reason_.value_or("the restore point of the window was reached"),
                       acks_};
    auto ms = [](const std::optional<Duration>& d) {
      return d ? json::value(d->count()) : json::value(nullptr);
    };
    json::object summary{{"recovered_by_team", team_recovered},
                         {"auto_restored", timings.auto_restored},
                         {"ttd_human_ms", ms(ttd_human_)},
                         {"ttr_probe_ms", ms(ttr_probe_)},
                         {"ttr_human_ms", ms(ttr_human_)}};
    if (!remaining.empty()) {
      json::array left;
      for (const auto& [e, r] : remaining) {
        left.push_back(
            json::object{{"fault", e.fault_id}, {"error", r.message}, {"undo", r.manual}});
      }
      summary["remaining"] = left;
      Record("restore-incomplete", summary, "RESTORE INCOMPLETE: manual action needed");
      for (const auto& [e, r] : remaining) {
        fmt::print(err_, "  still in place: {} ({} on {}): {}\n    undo by hand: {}\n", e.fault_id,
                   e.kind, e.target, r.message, r.manual);
      }
      exit_ = kExitRestoreIncomplete;
      return;
    }
    std::string outcome = abort_reason_ ? "aborted; every fault restored and verified"
                          : team_recovered
                              ? "closed; the team recovered, faults restored and verified"
                              : "closed; auto-restored (not recovered within the window)";
    summary["outcome"] = outcome;
    Record("run-ended", summary, outcome);
    if (!opt_.json) fmt::print(out_, "\n{}", SummaryText(drill_, timings));
    WritePostmortem(timings);
    exit_ = abort_reason_ ? kExitAborted : kExitOk;
  }

  void WritePostmortem(const RunTimings& timings) {
    std::filesystem::path dir = opt_.state_dir / "postmortems";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::filesystem::path file = dir / (run_id_ + ".md");
    std::ofstream(file) << PostmortemDraft(drill_, run_id_, timings);
    if (!opt_.json) fmt::print(out_, "Postmortem draft: {}\n", file.string());
  }

  // --- control endpoint (runs on the loop thread, between awaits) -----------------------------
  ControlResponse Handle(const ControlRequest& req) override {
    auto error = [](int status, const std::string& message) {
      return ControlResponse{status, json::serialize(json::object{{"error", message}})};
    };
    // The server has matched the route and checked the token, size and JSON shape already.
    if (req.route == "/v1/drills") {
      json::array drills{json::object{{"id", drill_.id}, {"run", run_id_}, {"state", state_}}};
      return ControlResponse{200, json::serialize(json::object{{"drills", drills}})};
    }
    auto id = req.params.find("id");
    if (id == req.params.end() || id->second != drill_.id) {
      return error(404, "no running drill \"" +
                            (id == req.params.end() ? std::string() : id->second) + "\"");
    }
    boost::system::error_code ec;
    json::value body = json::parse(req.body.empty() ? "{}" : req.body, ec);
    if (ec || !body.is_object()) return error(400, "the body must be a JSON object");
    const json::object& o = body.as_object();
    auto field = [&](const char* key) -> std::string {
      const json::value* v = o.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string by = field("by").empty() ? "unknown" : field("by");
    if (req.route == "/v1/drills/{id}/ack") {
      std::string what = field("what");
      if (what != "detected" && what != "recovered") {
        return error(400, "\"what\" must be \"detected\" or \"recovered\"");
      }
      if (!t0_) return error(409, "no fault is in place yet; nothing to acknowledge");
      auto since = std::chrono::duration_cast<Duration>(Clock::now() - *t0_);
      std::optional<Duration>& slot = what == "detected" ? ttd_human_ : ttr_human_;
      bool first = !slot.has_value();
      if (first) slot = since;
      SysTime at = NowUtc();
      std::string note = field("note");
      acks_.push_back(fmt::format("{} by {} at {} (T0+{}){}", what, by, FormatUtc(at),
                                  FormatDuration(since), note.empty() ? "" : ": " + note));
      Record("ack-" + what,
             {{"by", by}, {"note", note}, {"since_t0_ms", since.count()}, {"first", first}},
             fmt::format("{} acknowledged {} (T0+{}){}", by, what, FormatDuration(since),
                         note.empty() ? "" : ": " + note),
             by);
      return ControlResponse{200, json::serialize(json::object{{"recorded_at", FormatUtc(at)},
                                                               {"drill", drill_.id},
                                                               {"what", what},
                                                               {"by", by},
                                                               {"since_t0_ms", since.count()}})};
    }
    if (req.route == "/v1/drills/{id}/abort") {
      std::string reason = field("reason");
      if (reason.empty()) return error(400, "\"reason\" is required");
      if (!abort_reason_ && !restoring_) {
        abort_reason_ = fmt::format("aborted by {}: {}", by, reason);
        Record("abort-requested", {{"by", by}, {"reason", reason}},
               fmt::format("abort requested by {}: {}", by, reason), by);
        wake_.cancel();
      }
      return ControlResponse{
          202, json::serialize(json::object{{"drill", drill_.id}, {"state", "aborting"}})};
    }
    return error(404, "no such route: " + req.route);
  }

  // --- lookups ------------------------------------------------------------------------------
  CommandRunner* Runner(const std::string& target) {
    auto it = runners_.find(target);
    return it == runners_.end() ? nullptr : it->second.get();
  }
  const FaultSpec& Spec(const std::string& id) {
    for (const FaultSpec& f : drill_.faults) {
      if (f.id == id) return f;
    }
    return drill_.faults.front();  // ids come from the plan of this drill: unreachable
  }

  const Drill& drill_;
  const RunOptions& opt_;
  Database& db_;
  std::ostream& out_;
  std::ostream& err_;
  asio::io_context io_;
  asio::thread_pool pool_{2};
  asio::steady_timer wake_;
  asio::steady_timer countdown_timer_;
  ControlServer control_;
  std::string run_id_;
  std::map<std::string, std::unique_ptr<CommandRunner>> runners_;
  std::map<std::string, std::unique_ptr<Fault>> faults_;
  std::map<std::string, std::string> states_;
  std::map<std::string, ProbeState> probe_state_;
  std::optional<std::string> abort_reason_;
  std::optional<Clock::time_point> t0_;
  std::optional<SysTime> t0_wall_;
  std::optional<Duration> ttd_human_;
  std::optional<Duration> ttr_human_;
  std::optional<Duration> ttr_probe_;
  std::vector<std::string> acks_;
  std::string state_ = "waiting";
  bool recovered_ = false;
  bool restoring_ = false;
  bool probes_stop_ = false;
  int exit_ = kExitOk;
};

}  // namespace

int RunDrill(const Drill& drill, const RunOptions& options, std::ostream& out, std::ostream& err) {
  auto db = Database::Open(options.state_dir, OpenMode::kReadWrite);
  if (!db.ok()) {
    fmt::print(err, "firedrill run: {}\n", db.error().ToString());
    return kExitStateError;
  }
  // Anything an earlier run left in place (a crash, a SIGKILL) is restored before anything else.
  auto leftover = RestoreOutstanding(*db, kActor);
  if (!leftover.ok() || !leftover->empty()) {
    fmt::print(err,
               "firedrill run: faults from an earlier run are still in place and could not "
               "be restored; not starting a new drill\n");
    if (leftover.ok()) {
      for (const auto& [e, r] : *leftover) {
        fmt::print(err, "  {} ({} on {}): {}\n    undo by hand: {}\n", e.fault_id, e.kind, e.target,
                   r.message, r.manual);
      }
    }
    return kExitRestoreIncomplete;
  }
  std::string sha;
  if (auto hasher = Sha256::Create(); hasher.ok()) {
    Hash256 h{};
    auto bytes = reinterpret_cast<const unsigned char*>(options.drill_source.data());
    if (hasher->Hash({bytes, options.drill_source.size()}, &h)) sha = ToHex(h);
  }
  DrillRecord record{drill.id,           drill.title, drill.service,      drill.owner,
                     options.drill_file, sha,         drill.window.start, drill.window.end,
                     drill.window.zone,  {}};
  DrillTable(*db).UpsertDrill(record).ok();
  Engine engine(drill, options, *db, out, err);
  return engine.Run();
}

}  // namespace firedrill
