// DaemonOps: what the daemon's API asks of it (daemon_api.h), on the daemon's loop.
#include "orchestrator/daemon/daemon_impl.h"

namespace firedrill {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace daemon_internal;

ControlResponse Daemon::Impl::List() {
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

ControlResponse Daemon::Impl::DrillStatus(const std::string& id) {
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

ControlResponse Daemon::Impl::Schedule(const std::string& file, const std::string& source,
                                       const std::string& by, const std::string& lead_override) {
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

ControlResponse Daemon::Impl::Cancel(const std::string& id, const std::string& reason,
                                     const std::string& by) {
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

ControlResponse Daemon::Impl::Brief(const std::string& id, const std::string& by,
                                    const std::string& note) {
  auto known = ScheduleTable(*db_).Get(id);
  if (!known) return Refusal(500, known.error().message);
  if (!*known) return Refusal(404, fmt::format("no scheduled drill \"{}\"", id));
  if (by.empty()) return Refusal(400, "\"by\" is required: who gave the briefing");
  if (Status st = RecordBriefing(*db_, id, by, note); !st) return Refusal(500, st.error().message);
  return Answer(200, json::object{{"drill", id}, {"briefed_by", by}, {"at", FormatUtc(NowUtc())}});
}

ControlResponse Daemon::Impl::AddBlackout(const std::string& name, SysTime start, SysTime end,
                                          const std::string& by) {
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

ControlResponse Daemon::Impl::Blackouts() {
  json::array out;
  for (const Blackout& b : blackouts_) {
    if (b.end <= NowUtc()) continue;
    out.push_back(
        json::object{{"name", b.name}, {"start", FormatUtc(b.start)}, {"end", FormatUtc(b.end)}});
  }
  return Answer(200, json::object{{"blackouts", out}});
}

ControlResponse Daemon::Impl::FreezeState() { return Answer(200, freezer_->Json()); }

ControlResponse Daemon::Impl::Freeze(const std::string& reason, const std::string& by) {
  return freezer_->Freeze(reason, by);
}

ControlResponse Daemon::Impl::Unfreeze(const std::string& reason, const std::string& by) {
  return freezer_->Unfreeze(reason, by);
}

ControlResponse Daemon::Impl::ToRun(const std::string& id, const ControlRequest& request) {
  auto r = running_.find(id);
  if (r == running_.end()) return Refusal(404, fmt::format("no running drill \"{}\"", id));
  return r->second->engine->HandleControl(request);
}

void Daemon::Impl::Alerts(const std::string& source, const std::vector<Alert>& alerts) {
  for (const Alert& a : alerts) {
    alerts_.Note(a);
    for (auto& [id, r] : running_) r->engine->OnAlert(a);
    freezer_->OnAlert(a, InPlay());
  }
  (void)source;
}

void Daemon::Impl::CountWebhook(const std::string& source, const std::string& result) {
  alerts_.CountDelivery(source, result);
}

std::string Daemon::Impl::Metrics() {
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

std::optional<std::string> Daemon::Impl::TokenRole(std::string_view token) {
  auto found = TokenTable(*db_).Authenticate(token);
  if (!found || !*found) return std::nullopt;
  return std::string(RoleName((*found)->role));
}

}  // namespace firedrill
