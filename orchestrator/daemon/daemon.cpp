#include "orchestrator/daemon/daemon.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <map>
#include <ostream>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/run_on.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/daemon/alert_book.h"
#include "orchestrator/daemon/chain_watch.h"
#include "orchestrator/daemon/console_site.h"
#include "orchestrator/daemon/daemon_metrics.h"
#include "orchestrator/daemon/freezer.h"
#include "orchestrator/daemon/live_board.h"
#include "orchestrator/daemon/prefixed_lines.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/engine/drill_engine.h"
#include "orchestrator/engine/interrupted_runs.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/engine/termination_signals.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/fault_ledger.h"
#include "orchestrator/store/record_writer.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/token_table.h"
#include "orchestrator/store/transaction.h"
#include "orchestrator/store/typed_event.h"
#include "orchestrator/store/witness_publish.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// A drill is started this long before its window opens: its run is recorded and waiting when
// the window opens, and preflight runs at the injection time as always.
constexpr Duration kLaunchLead = std::chrono::seconds(30);
// The reminder goes out this long before the window.
constexpr Duration kReminderLead = std::chrono::hours(24);

ControlResponse Answer(int status, json::object body) {
  return ControlResponse{status, json::serialize(body)};
}

ControlResponse Refusal(int status, const std::string& message) {
  return Answer(status, json::object{{"error", message}});
}

}  // namespace

class Daemon::Impl : public DaemonOps {
 public:
  Impl(DaemonOptions options, std::ostream& out, std::ostream& err)
      : opt_(std::move(options)),
        out_(out),
        err_(err),
        api_(*this, opt_.secrets),
        tick_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  int Run() {
    // Another live process running drills on this state dir: its faults in the ledger are in
    // place on purpose. Refuse before restoring anything.
    if (auto other = LoadControlFile(opt_.state_dir / kControlFileName);
        other.ok() && other->pid != getpid() && ProcessAlive(other->pid)) {
      fmt::print(err_,
                 "firedrill serve: another firedrill process (pid {}) is running drills on {}; "
                 "not starting (nothing was changed)\n",
                 other->pid, opt_.state_dir.string());
      return kExitStateError;
    }
    auto db = Database::Open(opt_.state_dir, OpenMode::kReadWrite);
    if (!db) {
      fmt::print(err_, "firedrill serve: {}\n", db.error().ToString());
      return kExitStateError;
    }
    db_.emplace(std::move(*db));
    // Every run's records are written off the loop, in order, by one writer.
    auto writer = RecordWriter::Open(opt_.state_dir);
    if (!writer) {
      fmt::print(err_, "firedrill serve: {}\n", writer.error().ToString());
      return kExitStateError;
    }
    writer_ = std::move(*writer);
    notifier_.emplace(io_, *db_, opt_.notices);
    freezer_.emplace(io_, *db_, *notifier_, opt_.incident,
                     FreezeHooks{[this](const std::string& reason) { return StandDown(reason); },
                                 [this](const std::string& line) { Say(line); }});
    // Anything a crash left in place is undone before anything else happens.
    leftovers_restored_ = RestoreLeftovers();
    if (!leftovers_restored_) {
      fmt::print(err_,
                 "firedrill serve: faults from an earlier run are still in place; drills will "
                 "not start until they are restored (firedrill recover)\n");
    }
    if (Status st = freezer_->Load(); !st) {
      fmt::print(err_, "firedrill serve: whether a freeze holds cannot be read: {}\n",
                 st.error().message);
      return kExitStateError;
    }
    if (int st = LoadSchedules(); st != kExitOk) return st;
    if (auto b = BlackoutTable(*db_).Current(NowUtc()); b) blackouts_ = std::move(*b);
    AnnouncePending();
    ControlAccess access;
    access.address = opt_.address;
    access.port = opt_.port;
    access.tls = opt_.tls;
    access.tls_cert_file = opt_.tls_cert_file;
    access.open_prefixes = {kAlertPathPrefix, kConsolePrefix};
    access.token_role = [this](std::string_view token) { return TokenRole(token); };
    ConsoleContext console;
    console.db = &*db_;
    console.state_dir = opt_.state_dir;
    console.board = &board_;
    chain_.emplace(io_, opt_.state_dir);
    chain_->Request();
    console.chain = &*chain_;
    console.token_role = [this](std::string_view token) -> std::optional<Role> {
      // The state directory's own token (control.json) is the lead's, as on the API.
      if (server_ && SameSecret(token, server_->token())) return Role::kLead;
      auto role = TokenRole(token);
      return role ? ParseRole(*role) : std::nullopt;
    };
    console.to_run = [this](const std::string& id, const ControlRequest& request) {
      return ToRun(id, request);
    };
    console.now = [] { return NowUtc(); };
    console.tls = opt_.tls != nullptr;
    console_.emplace(std::move(console));
    routes_.assign(std::begin(kDaemonRoutes), std::end(kDaemonRoutes));
    routes_.insert(routes_.end(), std::begin(kConsoleRoutes), std::end(kConsoleRoutes));
    server_.emplace(io_, opt_.state_dir, front_, opt_.limits, routes_, access);
    if (Status st = server_->Start(); !st) {
      fmt::print(err_, "firedrill serve: {}\n", st.error().message);
      return kExitStateError;
    }
    bool v6 = opt_.address.find(':') != std::string::npos;
    fmt::print(out_, "firedrill serve: serving {} on {}{}{}{}:{}; {} drill{} scheduled{}\n",
               opt_.state_dir.string(), opt_.tls ? "https://" : "", v6 ? "[" : "", opt_.address,
               v6 ? "]" : "", server_->port(), schedules_.size(), schedules_.size() == 1 ? "" : "s",
               NextText());
    out_.flush();
    WatchSignals();
    // Watched now: a signal deferred since start-up (main) is delivered to the set.
    AcceptTerminationSignals();
    Arm();
    io_.run();
    return exit_;
  }

  // DaemonOps.
  ControlResponse List() override {
    json::array running;
    for (const auto& [id, r] : running_) {
      running.push_back(
          json::object{{"id", id}, {"run", r->engine->run_id()}, {"state", r->engine->phase()}});
    }
    auto listing = ScheduleTable(*db_).Listing();
    if (!listing) return Refusal(500, listing.error().message);
    // The JSON text written directly, as json::serialize would write it: no DOM of 10,000
    // objects to build and destroy.
    std::string body = "{\"freeze\":" + json::serialize(freezer_->Json()) +
                       ",\"drills\":" + json::serialize(running) + ",\"schedules\":[";
    body.reserve(body.size() + listing->size() * 256);
    bool first = true;
    for (const ScheduleListing& l : *listing) {
      if (!first) body += ',';
      first = false;
      AppendListingJson(body, l);
    }
    body += "]}";
    return ControlResponse{200, std::move(body)};
  }

  ControlResponse DrillStatus(const std::string& id) override {
    auto rec = ScheduleTable(*db_).Get(id);
    if (!rec) return Refusal(500, rec.error().message);
    if (!*rec) return Refusal(404, fmt::format("no scheduled drill \"{}\"", id));
    json::object o = ScheduleJson(**rec);
    if (auto r = running_.find(id); r != running_.end()) {
      o["run"] = r->second->engine->run_id();
      o["phase"] = r->second->engine->phase();
      if (r->second->engine->t0()) o["t0"] = FormatUtc(*r->second->engine->t0());
    }
    return Answer(200, o);
  }

  ControlResponse Schedule(const std::string& file, const std::string& source,
                           const std::string& by, const std::string& lead_override) override {
    auto done = ScheduleDrill(*db_, opt_.state_dir,
                              ScheduleRequest{file, source, by, lead_override, NowUtc()});
    if (!done) {
      bool invalid = done.error().code == ErrorCode::kInvalidInput;
      return Refusal(invalid ? 400 : 409, done.error().message);
    }
    schedules_[done->record.drill_id] = done->record;
    Announce(schedules_[done->record.drill_id]);
    Say(fmt::format("{} drill {} for {} (by {})", done->rescheduled ? "rescheduled" : "scheduled",
                    done->record.drill_id, FormatUtc(done->record.next_start), by));
    Arm();
    return Answer(200, ScheduleOutcomeJson(*done));
  }

  ControlResponse Cancel(const std::string& id, const std::string& reason,
                         const std::string& by) override {
    auto known = ScheduleTable(*db_).Get(id);
    if (!known) return Refusal(500, known.error().message);
    if (!*known) return Refusal(404, fmt::format("no scheduled drill \"{}\"", id));
    if (reason.empty()) return Refusal(400, "\"reason\" is required");
    auto done = CancelSchedule(*db_, opt_.state_dir, id, reason, by, NowUtc());
    if (!done) return Refusal(409, done.error().message);
    schedules_.erase(id);
    Announce(done->record, reason);
    Say(fmt::format("cancelled drill {} (by {}): {}", id, by, reason));
    Arm();
    return Answer(200, ScheduleOutcomeJson(*done));
  }

  ControlResponse Brief(const std::string& id, const std::string& by,
                        const std::string& note) override {
    auto known = ScheduleTable(*db_).Get(id);
    if (!known) return Refusal(500, known.error().message);
    if (!*known) return Refusal(404, fmt::format("no scheduled drill \"{}\"", id));
    if (by.empty()) return Refusal(400, "\"by\" is required: who gave the briefing");
    if (Status st = RecordBriefing(*db_, id, by, note); !st)
      return Refusal(500, st.error().message);
    return Answer(200,
                  json::object{{"drill", id}, {"briefed_by", by}, {"at", FormatUtc(NowUtc())}});
  }

  ControlResponse AddBlackout(const std::string& name, SysTime start, SysTime end,
                              const std::string& by) override {
    Blackout b;
    b.name = name;
    b.start = start;
    b.end = end;
    auto affected = firedrill::AddBlackout(*db_, b, by, NowUtc());
    if (!affected) return Refusal(400, affected.error().message);
    blackouts_.push_back(b);
    Say(fmt::format("blackout {} declared by {}: {} to {}", name, by, FormatUtc(start),
                    FormatUtc(end)));
    for (auto& [id, run] : running_) WatchBlackouts(*run);
    return Answer(200, json::object{{"name", name},
                                    {"start", FormatUtc(start)},
                                    {"end", FormatUtc(end)},
                                    {"affected", json::value_from(*affected)}});
  }

  ControlResponse Blackouts() override {
    json::array out;
    for (const Blackout& b : blackouts_) {
      if (b.end <= NowUtc()) continue;
      out.push_back(
          json::object{{"name", b.name}, {"start", FormatUtc(b.start)}, {"end", FormatUtc(b.end)}});
    }
    return Answer(200, json::object{{"blackouts", out}});
  }

  ControlResponse FreezeState() override { return Answer(200, freezer_->Json()); }

  ControlResponse Freeze(const std::string& reason, const std::string& by) override {
    return freezer_->Freeze(reason, by);
  }

  ControlResponse Unfreeze(const std::string& reason, const std::string& by) override {
    return freezer_->Unfreeze(reason, by);
  }

  ControlResponse ToRun(const std::string& id, const ControlRequest& request) override {
    auto r = running_.find(id);
    if (r == running_.end()) return Refusal(404, fmt::format("no running drill \"{}\"", id));
    return r->second->engine->HandleControl(request);
  }

  void Alerts(const std::string& source, const std::vector<Alert>& alerts) override {
    for (const Alert& a : alerts) {
      alerts_.Note(a);
      for (auto& [id, r] : running_) r->engine->OnAlert(a);
      freezer_->OnAlert(a, InPlay());
    }
    (void)source;
  }

  void CountWebhook(const std::string& source, const std::string& result) override {
    alerts_.CountDelivery(source, result);
  }

  std::string Metrics() override {
    MetricsSnapshot m;
    auto listing = ScheduleTable(*db_).Listing();
    if (listing) {
      for (const ScheduleListing& l : *listing)
        ++m.drills_by_state[std::string(ScheduleStateName(l.state))];
    }
    const SysTime now = NowUtc();
    for (const auto& [id, r] : running_) {
      ++m.runs_by_phase[r->engine->phase()];
      if (r->drill.window.start <= now && now < r->drill.window.end) {
        m.open_windows.push_back(OpenWindow{id, r->drill.service});
      }
    }
    if (auto open = FaultLedger(*db_).Outstanding(); open) {
      m.faults_in_place = open->size();
      for (const LedgerEntry& e : *open) {
        std::string service;
        if (auto r = running_.find(e.drill_id); r != running_.end()) {
          service = r->second->drill.service;
        } else if (auto d = DrillTable(*db_).GetDrill(e.drill_id); d.ok() && *d) {
          service = (*d)->service;
        }
        m.placed_faults.push_back(PlacedFault{e.drill_id, service, e.fault_id, e.kind, e.target});
      }
    }
    m.last_by_service = last_by_service_;
    m.restore_failures = restore_failures_;
    m.webhook_deliveries = alerts_.deliveries();
    m.alerts_firing = alerts_.FiringCount();
    m.alerts_dropped = alerts_.dropped();
    m.notices = notifier_->counts();
    m.frozen = freezer_->frozen();
    m.freezes_by_cause = freezer_->Counts();
    if (server_) m.http = server_->stats();
    return RenderMetrics(m);
  }

  std::optional<std::string> TokenRole(std::string_view token) override {
    auto found = TokenTable(*db_).Authenticate(token);
    if (!found || !*found) return std::nullopt;
    return std::string(RoleName((*found)->role));
  }

 private:
  // One drill running.
  struct Running {
    Drill drill;
    RunOptions options;
    std::unique_ptr<PrefixedLines> out_buf;
    std::unique_ptr<std::ostream> out;
    std::unique_ptr<DrillEngine> engine;
    std::unique_ptr<asio::steady_timer> blackout_timer;
    std::unique_ptr<asio::steady_timer> window_timer;
  };

  // The drills whose faults may be in place: an alert matching their detection is theirs.
  std::vector<const Drill*> InPlay() const {
    std::vector<const Drill*> out;
    for (const auto& [id, r] : running_) {
      const std::string& phase = r->engine->phase();
      if (phase == "injecting" || phase == "active" || phase == "restoring") {
        out.push_back(&r->drill);
      }
    }
    return out;
  }

  // A freeze began (or holds on): every running drill is aborted, each restoring everything.
  std::size_t StandDown(const std::string& reason) {
    std::size_t stopped = 0;
    for (auto& [id, r] : running_) {
      if (r->engine->RequestAbort("stood down by a freeze: " + reason)) ++stopped;
    }
    return stopped;
  }

  // Tells the channels of a schedule's latest change (scheduled, rescheduled, cancelled) unless
  // that was done, and remembers it.
  void Announce(ScheduleRecord& r, const std::string& detail = "") {
    if (r.notified_sequence >= r.sequence) return;
    // With no chat or webhook URL configured no drill wants a notice: skip loading its text.
    if (notifier_->AnyTarget()) {
      LoadResult loaded = LoadDrillText(r.drill_source, r.drill_file, DrillFaultCatalog());
      if (loaded.ok() && notifier_->Wanted(*loaded.drill)) {
        bool cancelled = r.state == ScheduleState::kCancelled;
        notifier_->Notify(*loaded.drill,
                          cancelled ? NoticeEvent::kCancelled : NoticeEvent::kScheduled,
                          r.next_start, r.next_end,
                          !detail.empty()                ? detail
                          : r.sequence > 0 && !cancelled ? "rescheduled"
                                                         : "");
      }
    }
    r.notified_sequence = r.sequence;
    ScheduleTable(*db_).Put(r).ok();
  }

  // Changes made while no daemon ran (firedrill schedule / cancel on the state directory).
  void AnnouncePending() {
    auto pending = ScheduleTable(*db_).PendingNotices();
    if (!pending || pending->empty()) return;
    // One durable commit for all of them rather than one each. Without the transaction (the
    // database locked past the busy timeout) each Put commits on its own, as before.
    auto tx = Transaction::Begin(*db_);
    for (ScheduleRecord& r : *pending) {
      auto s = schedules_.find(r.drill_id);
      Announce(s != schedules_.end() ? s->second : r,
               r.state == ScheduleState::kCancelled ? "cancelled" : "");
    }
    if (tx) tx->Commit().ok();
  }

  // The T-24h reminders that are due; a drill that wants none is marked so that it never
  // wakes the daemon again.
  void Remind(SysTime now) {
    for (auto& [id, r] : schedules_) {
      if (r.reminded || now < r.next_start - kReminderLead || now >= r.next_start) continue;
      // Announced within the last day before the window: the announcement is the reminder.
      bool late = r.announced >= r.next_start - kReminderLead;
      LoadResult loaded = LoadDrillText(r.drill_source, r.drill_file, DrillFaultCatalog());
      if (!late && loaded.ok() && notifier_->Wanted(*loaded.drill)) {
        notifier_->Notify(*loaded.drill, NoticeEvent::kReminder, r.next_start, r.next_end);
      }
      r.reminded = now;
      ScheduleTable(*db_).Put(r).ok();
    }
  }

  void Say(const std::string& text) {
    fmt::print(out_, "{} {}\n", FormatUtc(NowUtc()), text);
    out_.flush();
  }

  std::string NextText() const {
    if (schedules_.empty()) return "";
    const ScheduleRecord* first = nullptr;
    for (const auto& [id, r] : schedules_) {
      if (first == nullptr || r.next_start < first->next_start) first = &r;
    }
    return fmt::format("; next: {} at {}", first->drill_id, FormatUtc(first->next_start));
  }

  // Restores what a previous daemon (or run) left in place and closes the runs that died with
  // it, saying what it did.
  bool RestoreLeftovers() {
    // Before the loop runs, on the main thread (which outlives the commands it starts).
    auto tried = RunBlocking(RestoreOutstanding(*db_, "serve"));
    if (!tried) {
      fmt::print(err_, "firedrill serve: {}\n", tried.error().message);
      return false;
    }
    auto closed = CloseInterruptedRuns(*db_, *tried, "serve");
    if (!closed) {
      fmt::print(err_, "firedrill serve: interrupted runs cannot be closed: {}\n",
                 closed.error().message);
    }
    if (!tried->empty() || (closed && !closed->empty())) {
      Say("restoring what an earlier process left behind:");
      out_ << LeftoversText(*tried, closed ? *closed : std::vector<ClosedRun>{});
      out_.flush();
    }
    return NotRestored(*tried).empty();
  }

  int LoadSchedules() {
    ScheduleTable table(*db_);
    auto all = table.List({ScheduleState::kScheduled, ScheduleState::kRunning});
    if (!all) {
      fmt::print(err_, "firedrill serve: {}\n", all.error().message);
      return kExitStateError;
    }
    for (ScheduleRecord& r : *all) {
      if (r.state == ScheduleState::kRunning) {
        // The daemon stopped (or crashed) while it ran: its faults were restored and its run
        // closed as interrupted above; the run is not resumed, so that a drill never breaks
        // things twice in one window.
        Say(
            fmt::format("drill {}: its run was interrupted by a restart of the daemon and is not "
                        "resumed",
                        r.drill_id));
        Advance(r);
        if (r.state != ScheduleState::kScheduled) continue;
      }
      schedules_[r.drill_id] = r;
    }
    return kExitOk;
  }

  // Moves `r` to its next window after the current one, or marks it done, and stores it.
  void Advance(ScheduleRecord& r) {
    LoadResult loaded = LoadDrillText(r.drill_source, r.drill_file, DrillFaultCatalog());
    std::vector<WindowSpan> next =
        loaded.ok() ? UpcomingWindows(*loaded.drill, std::max(r.next_end, NowUtc()), 1)
                    : std::vector<WindowSpan>{};
    if (!next.empty() && next.front().start >= r.next_end) {
      r.state = ScheduleState::kScheduled;
      r.next_start = next.front().start;
      r.next_end = next.front().end;
      r.reminded.reset();
    } else {
      r.state = ScheduleState::kDone;
    }
    ScheduleTable(*db_).Put(r).ok();
  }

  SysTime LaunchAt(const ScheduleRecord& r) const { return r.next_start - kLaunchLead; }

  // Sleeps until the next thing to do (bounded by max_sleep); no polling in between.
  void Arm() {
    if (stopping_) return;
    SysTime now = NowUtc();
    SysTime next = now + std::chrono::duration_cast<Duration>(opt_.max_sleep);
    for (const auto& [id, r] : schedules_) {
      if (running_.count(id) == 0) next = std::min(next, LaunchAt(r));
      if (!r.reminded && r.next_start - kReminderLead > now) {
        next = std::min(next, r.next_start - kReminderLead);
      }
    }
    tick_.expires_after(std::max(next - now, Duration(0)));
    tick_.async_wait([this](boost::system::error_code ec) {
      if (!ec) Tick();
    });
  }

  void Tick() {
    SysTime now = NowUtc();
    Remind(now);
    std::vector<std::string> due;
    for (const auto& [id, r] : schedules_) {
      if (running_.count(id) == 0 && LaunchAt(r) <= now) due.push_back(id);
    }
    for (const std::string& id : due) Launch(id);
    Arm();
  }

  void Launch(const std::string& id) {
    ScheduleRecord rec = schedules_.at(id);
    LoadResult loaded = LoadDrillText(rec.drill_source, rec.drill_file, DrillFaultCatalog());
    if (!loaded.ok()) {
      std::string why =
          loaded.diagnostics.empty() ? "it does not load" : loaded.diagnostics.front().ToString();
      NotRun(rec, EventKind::kNotRun,
             fmt::format("the scheduled drill text no longer loads: {}", why));
      return;
    }
    // Leftovers of a crash are restored at start; the ledger's other open entries now belong to
    // drills running beside this one and must not be touched. Only while nothing runs can a
    // failed restore of leftovers be tried again.
    if (!leftovers_restored_ && running_.empty()) leftovers_restored_ = RestoreLeftovers();
    if (!leftovers_restored_) {
      NotRun(rec, EventKind::kNotRun,
             "faults of an earlier run are still in place (firedrill recover)");
      return;
    }
    auto run = std::make_unique<Running>();
    run->drill = std::move(*loaded.drill);
    Drill& drill = run->drill;
    drill.window.start = rec.next_start;
    drill.window.end = rec.next_end;
    std::vector<Blackout> all = drill.blackouts;
    all.insert(all.end(), blackouts_.begin(), blackouts_.end());
    for (const Blackout& b : all) {
      if (b.start < rec.next_end && rec.next_start < b.end) {
        NotRun(rec, EventKind::kVetoed,
               fmt::format("the window overlaps blackout {} ({} to {})", b.name,
                           FormatInZone(b.start, drill.window.zone),
                           FormatInZone(b.end, drill.window.zone)),
               b.name);
        return;
      }
    }
    RunOptions& o = run->options;
    o.state_dir = opt_.state_dir;
    o.drill_file = rec.drill_file;
    o.drill_source = rec.drill_source;
    o.announced_at = rec.announced;
    o.lead_override = rec.lead_override;
    SysTime announced = rec.announced;
    o.briefing = [this, id, announced]() -> std::optional<std::pair<std::string, SysTime>> {
      auto b = LatestBriefing(*db_, id, announced);
      return b ? *b : std::nullopt;
    };
    o.firing_alerts = [this] { return alerts_.Firing(); };
    Drill* drill_ptr = &run->drill;
    o.on_event = [this, drill_ptr](EventKind kind, const EventPayload& payload,
                                   const std::string&) {
      board_.Apply(drill_ptr->id, NowUtc(), kind, payload, NowUtc());
      if (kind == EventKind::kT0) {
        // The dashboards are annotated at T0, the moment the first fault was in place.
        const auto* t0 = std::get_if<T0>(&payload);
        if (t0 != nullptr) {
          notifier_->Annotate(*drill_ptr, AnnotationMoment::kInjected, t0->at.value_or(NowUtc()),
                              t0->run);
        }
        return;
      }
      if (kind != EventKind::kRestoreStarted) return;
      const auto* started = std::get_if<RestoreStarted>(&payload);
      const std::string reason = started != nullptr ? started->reason : "";
      notifier_->Notify(*drill_ptr, NoticeEvent::kRestore, drill_ptr->window.start,
                        drill_ptr->window.end, reason);
      notifier_->Annotate(*drill_ptr, AnnotationMoment::kRestore, NowUtc(),
                          started != nullptr ? started->run : "", reason);
    };
    run->out_buf = std::make_unique<PrefixedLines>(out_, fmt::format("[{}] ", id));
    run->out = std::make_unique<std::ostream>(run->out_buf.get());
    run->engine = std::make_unique<DrillEngine>(io_, run->drill, run->options, *db_, *writer_,
                                                *run->out, *run->out);
    rec.state = ScheduleState::kRunning;
    ScheduleTable(*db_).Put(rec).ok();
    schedules_[id] = rec;
    DrillEngine* engine = run->engine.get();
    board_.Begin(run->drill, NowUtc());
    WatchBlackouts(*run);
    WatchWindowStart(*run);
    running_[id] = std::move(run);
    engine->Start([this, id](int exit) { Finished(id, exit); });
  }

  // Tells the channels when the window opens (not when or what is injected). A drill launched
  // late (the daemon was down or busy at the start) is told of at once: its faults are about to
  // be introduced, and the responders must hear of it before they are.
  void WatchWindowStart(Running& run) {
    if (run.drill.window.start <= NowUtc()) {
      notifier_->Notify(run.drill, NoticeEvent::kWindowStart, run.drill.window.start,
                        run.drill.window.end);
      return;
    }
    run.window_timer = std::make_unique<asio::steady_timer>(io_);
    run.window_timer->expires_after(std::max(run.drill.window.start - NowUtc(), Duration(0)));
    Drill* drill = &run.drill;
    run.window_timer->async_wait([this, drill](boost::system::error_code ec) {
      if (!ec)
        notifier_->Notify(*drill, NoticeEvent::kWindowStart, drill->window.start,
                          drill->window.end);
    });
  }

  // A blackout beginning while the drill runs halts it: abort, which restores first. Called
  // again when a blackout is declared; one already begun halts the drill at once.
  void WatchBlackouts(Running& run) {
    std::vector<Blackout> all = run.drill.blackouts;
    all.insert(all.end(), blackouts_.begin(), blackouts_.end());
    const Blackout* first = nullptr;
    for (const Blackout& b : all) {
      if (b.end > NowUtc() && b.end > run.drill.window.start && b.start < run.drill.window.end &&
          (first == nullptr || b.start < first->start)) {
        first = &b;
      }
    }
    if (first == nullptr) return;
    if (run.blackout_timer) run.blackout_timer->cancel();
    run.blackout_timer = std::make_unique<asio::steady_timer>(io_);
    run.blackout_timer->expires_after(std::max(first->start - NowUtc(), Duration(0)));
    DrillEngine* engine = run.engine.get();
    std::string name = first->name;
    run.blackout_timer->async_wait([engine, name](boost::system::error_code ec) {
      if (!ec) engine->RequestAbort(fmt::format("blackout {} began", name));
    });
  }

  void NotRun(ScheduleRecord& rec, EventKind kind, const std::string& why,
              std::optional<std::string> blackout = std::nullopt) {
    AppendTyped(*db_, rec.drill_id, kind, "orchestrator",
                firedrill::NotRun{
                    .blackout = std::move(blackout), .reason = why, .window_start = rec.next_start})
        .ok();
    Say(fmt::format("drill {}: not run ({}): {}", rec.drill_id, KindName(kind), why));
    Advance(rec);
    if (rec.state == ScheduleState::kScheduled) {
      schedules_[rec.drill_id] = rec;
    } else {
      schedules_.erase(rec.drill_id);
    }
  }

  void Finished(const std::string& id, int exit) {
    Running& run = *running_.at(id);
    if (run.blackout_timer) run.blackout_timer->cancel();
    if (run.window_timer) run.window_timer->cancel();
    const RunState& state = run.engine->state();
    ServiceTimes& times = last_by_service_[run.drill.service];
    if (state.t0) {
      times.ttd_human = state.ttd_human;
      times.ttd_alert = state.ttd_alert;
      times.ttr = run.drill.probes.empty() ? state.ttr_human : state.ttr_probe;
      times.recovered = state.TeamRecovered();
    }
    if (exit == kExitRestoreIncomplete) ++restore_failures_;
    board_.End(id, NowUtc());
    if (chain_) chain_->Request();  // the record grew: the console says whether it verifies
    Say(fmt::format("drill {}: run {} ended ({})", id, run.engine->run_id(), ExitName(exit)));
    notifier_->Notify(run.drill, NoticeEvent::kEnd, run.drill.window.start, run.drill.window.end,
                      EndDetail(exit, state));
    if (auto cp = WriteCheckpoint(*db_, opt_.state_dir); !cp) {
      fmt::print(err_, "firedrill serve: the records could not be checkpointed: {}\n",
                 cp.error().message);
    } else {
      Publish(*cp);
    }
    auto s = schedules_.find(id);
    if (s != schedules_.end()) {
      Advance(s->second);
      if (s->second.state != ScheduleState::kScheduled) schedules_.erase(s);
    }
    // The engine is destroyed after its completion handler has returned.
    asio::post(io_, [this, id] {
      running_.erase(id);
      if (stopping_ && running_.empty()) {
        Shutdown();
      } else {
        Arm();  // the drill's next occurrence, if it has one
      }
    });
    Arm();
  }

  static std::string EndDetail(int exit, const RunState& state) {
    if (!state.t0) return ExitName(exit);
    if (exit == kExitRestoreIncomplete) return ExitName(exit);
    if (state.abort_reason) {
      return fmt::format("aborted ({}); everything restored", *state.abort_reason);
    }
    return state.TeamRecovered() ? "recovered by the team; everything restored"
                                 : "not recovered within the window; firedrill restored everything";
  }

  static std::string ExitName(int exit) {
    switch (exit) {
      case kExitOk:
        return "completed";
      case kExitRefused:
        return "refused at preflight";
      case kExitAborted:
        return "aborted, everything restored";
      case kExitRestoreIncomplete:
        return "RESTORE INCOMPLETE: manual action needed";
      default:
        return fmt::format("exit {}", exit);
    }
  }

  void WatchSignals() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (!stopping_) {
        stopping_ = true;
        tick_.cancel();
        Say(fmt::format("{} received: aborting {} running drill{} and restoring, then stopping",
                        name, running_.size(), running_.size() == 1 ? "" : "s"));
        for (auto& [id, r] : running_) {
          r->engine->RequestAbort(fmt::format("the daemon is stopping ({})", name));
        }
        if (running_.empty()) {
          Shutdown();
          return;
        }
      } else {
        Say(
            fmt::format("{} received while restoring; the restores go on so that no fault is "
                        "left behind",
                        name));
      }
      WatchSignals();
    });
  }

  // Publishes a checkpoint to the operator's witnesses on a thread of its own (an HTTP witness
  // may take its whole timeout) and reports on the loop. The work guard keeps the loop, and so
  // the daemon, running until the witnesses have it, also when it is stopping.
  void Publish(const Checkpoint& cp) {
    asio::post(witness_pool_, [this, cp, work = asio::make_work_guard(io_)]() mutable {
      Publication published = PublishToWitnesses(cp, opt_.state_dir);
      asio::post(io_, [this, cp, published = std::move(published)] {
        if (!published.list && !published.problem) return;  // no witnesses configured
        for (const std::string& line : published.Describe(cp)) {
          if (published.ok()) {
            Say(line);
          } else {
            fmt::print(err_, "firedrill serve: {}\n", line);
          }
        }
      });
      work.reset();
    });
  }

  void Shutdown() {
    signals_.cancel();
    tick_.cancel();
    if (server_) server_->Stop();
    if (notifier_) notifier_->Stop();
    if (freezer_) freezer_->Stop();
    Say("stopped");
  }

  DaemonOptions opt_;
  std::ostream& out_;
  std::ostream& err_;
  asio::io_context io_;
  std::optional<Database> db_;
  std::unique_ptr<RecordWriter> writer_;  // the records of every run, off the loop
  DaemonApi api_;
  LiveBoard board_;  // the live views of the runs, and the console pages that follow them
  std::optional<ChainWatch> chain_;  // the records' verification, for the console
  std::optional<ConsoleSite> console_;
  // The API under /v1 and /metrics, the console under /console.
  struct Front : ControlHandler {
    explicit Front(Impl& i) : impl(i) {}
    ControlResponse Handle(const ControlRequest& request) override {
      if (request.path.starts_with(kConsolePrefix)) return impl.console_->Handle(request);
      return impl.api_.Handle(request);
    }
    Impl& impl;
  } front_{*this};
  std::vector<ControlRoute> routes_;
  std::optional<ControlServer> server_;
  std::optional<Notifier> notifier_;
  std::optional<Freezer> freezer_;  // after notifier_, which it uses
  asio::steady_timer tick_;
  asio::signal_set signals_;
  AlertBook alerts_;
  std::map<std::string, ScheduleRecord> schedules_;  // state scheduled, by drill id
  std::vector<Blackout> blackouts_;  // declared for every drill (firedrill blackout add)
  std::map<std::string, std::unique_ptr<Running>> running_;
  std::map<std::string, ServiceTimes> last_by_service_;
  std::uint64_t restore_failures_ = 0;
  bool stopping_ = false;
  bool leftovers_restored_ = false;  // the ledger held nothing of a crash (or it was restored)
  int exit_ = kExitOk;
  // Witness publication: after io_ so that it is joined (in its destructor) while io_ exists.
  asio::thread_pool witness_pool_{1};
};

Daemon::Daemon(DaemonOptions options, std::ostream& out, std::ostream& err)
    : impl_(std::make_unique<Impl>(std::move(options), out, err)) {}

Daemon::~Daemon() = default;

int Daemon::Run() { return impl_->Run(); }

}  // namespace firedrill
