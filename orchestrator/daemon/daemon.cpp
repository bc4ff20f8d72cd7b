#include "orchestrator/daemon/daemon.h"

#include "orchestrator/daemon/daemon_impl.h"

namespace firedrill {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace daemon_internal;

int Daemon::Impl::Run() {
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

// The drills whose faults may be in place: an alert matching their detection is theirs.
std::vector<const Drill*> Daemon::Impl::InPlay() const {
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
std::size_t Daemon::Impl::StandDown(const std::string& reason) {
  std::size_t stopped = 0;
  for (auto& [id, r] : running_) {
    if (r->engine->RequestAbort("stood down by a freeze: " + reason)) ++stopped;
  }
  return stopped;
}

// Tells the channels of a schedule's latest change (scheduled, rescheduled, cancelled) unless
// that was done, and remembers it.
void Daemon::Impl::Announce(ScheduleRecord& r, const std::string& detail) {
  if (r.notified_sequence >= r.sequence) return;
  // With no chat or webhook URL configured no drill wants a notice: skip loading its text.
  if (notifier_->AnyTarget()) {
    LoadResult loaded = LoadDrillText(r.drill_source, r.drill_file, DrillFaultCatalog());
    if (loaded.ok() && notifier_->Wanted(*loaded.drill)) {
      bool cancelled = r.state == ScheduleState::kCancelled;
      notifier_->Notify(*loaded.drill,
                        cancelled ? NoticeEvent::kCancelled : NoticeEvent::kScheduled, r.next_start,
                        r.next_end,
                        !detail.empty()                ? detail
                        : r.sequence > 0 && !cancelled ? "rescheduled"
                                                       : "");
    }
  }
  r.notified_sequence = r.sequence;
  ScheduleTable(*db_).Put(r).ok();
}

// Changes made while no daemon ran (firedrill schedule / cancel on the state directory).
void Daemon::Impl::AnnouncePending() {
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
void Daemon::Impl::Remind(SysTime now) {
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

void Daemon::Impl::Say(const std::string& text) {
  fmt::print(out_, "{} {}\n", FormatUtc(NowUtc()), text);
  out_.flush();
}

std::string Daemon::Impl::NextText() const {
  if (schedules_.empty()) return "";
  const ScheduleRecord* first = nullptr;
  for (const auto& [id, r] : schedules_) {
    if (first == nullptr || r.next_start < first->next_start) first = &r;
  }
  return fmt::format("; next: {} at {}", first->drill_id, FormatUtc(first->next_start));
}

// Restores what a previous daemon (or run) left in place and closes the runs that died with
// it, saying what it did.
bool Daemon::Impl::RestoreLeftovers() {
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

int Daemon::Impl::LoadSchedules() {
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
void Daemon::Impl::Advance(ScheduleRecord& r) {
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

SysTime Daemon::Impl::LaunchAt(const ScheduleRecord& r) const { return r.next_start - kLaunchLead; }

// Sleeps until the next thing to do (bounded by max_sleep); no polling in between.
void Daemon::Impl::Arm() {
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

void Daemon::Impl::Tick() {
  SysTime now = NowUtc();
  Remind(now);
  std::vector<std::string> due;
  for (const auto& [id, r] : schedules_) {
    if (running_.count(id) == 0 && LaunchAt(r) <= now) due.push_back(id);
  }
  for (const std::string& id : due) Launch(id);
  Arm();
}

void Daemon::Impl::Launch(const std::string& id) {
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
  o.on_event = [this, drill_ptr](EventKind kind, const EventPayload& payload, const std::string&) {
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
void Daemon::Impl::WatchWindowStart(Running& run) {
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
      notifier_->Notify(*drill, NoticeEvent::kWindowStart, drill->window.start, drill->window.end);
  });
}

// A blackout beginning while the drill runs halts it: abort, which restores first. Called
// again when a blackout is declared; one already begun halts the drill at once.
void Daemon::Impl::WatchBlackouts(Running& run) {
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

void Daemon::Impl::NotRun(ScheduleRecord& rec, EventKind kind, const std::string& why,
                          std::optional<std::string> blackout) {
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

void Daemon::Impl::Finished(const std::string& id, int exit) {
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

std::string Daemon::Impl::EndDetail(int exit, const RunState& state) {
  if (!state.t0) return ExitName(exit);
  if (exit == kExitRestoreIncomplete) return ExitName(exit);
  if (state.abort_reason) {
    return fmt::format("aborted ({}); everything restored", *state.abort_reason);
  }
  return state.TeamRecovered() ? "recovered by the team; everything restored"
                               : "not recovered within the window; firedrill restored everything";
}

std::string Daemon::Impl::ExitName(int exit) {
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

void Daemon::Impl::WatchSignals() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (!stopping_) {
      stopping_ = true;
      tick_.cancel();
      Say(fmt::format("{} received: aborting {} running drill{} and restoring, then stopping", name,
                      running_.size(), running_.size() == 1 ? "" : "s"));
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
void Daemon::Impl::Publish(const Checkpoint& cp) {
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

void Daemon::Impl::Shutdown() {
  signals_.cancel();
  tick_.cancel();
  if (server_) server_->Stop();
  if (notifier_) notifier_->Stop();
  if (freezer_) freezer_->Stop();
  Say("stopped");
}

Daemon::Daemon(DaemonOptions options, std::ostream& out, std::ostream& err)
    : impl_(std::make_unique<Impl>(std::move(options), out, err)) {}

Daemon::~Daemon() = default;

int Daemon::Run() { return impl_->Run(); }

}  // namespace firedrill
