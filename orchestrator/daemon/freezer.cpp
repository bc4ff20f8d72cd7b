#include "orchestrator/daemon/freezer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

ControlResponse Answer(int status, const json::object& body) {
  return ControlResponse{status, json::serialize(body)};
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.push_back(json::value(s));
  return a;
}

}  // namespace

Freezer::Freezer(boost::asio::io_context& io, Database& db, Notifier& notifier, IncidentRule rule,
                 FreezeHooks hooks)
    : db_(db),
      notifier_(notifier),
      rule_(std::move(rule)),
      hooks_(std::move(hooks)),
      thaw_timer_(io) {}

Status Freezer::Load() {
  auto held = FreezeTable(db_).Current();
  if (!held) return held.error();
  current_ = *held;
  if (!current_) return {};
  hooks_.say(fmt::format("a freeze holds from before the restart: {}", DescribeFreeze(*current_)));
  if (current_->thaw_at && *current_->thaw_at <= NowUtc()) {
    End("the incident's alerts resolved and the cool-down passed", "orchestrator");
  } else {
    ArmThaw();
  }
  return {};
}

void Freezer::OnAlert(const Alert& alert, const std::vector<const Drill*>& in_play) {
  if (rule_.match.empty()) return;
  const SysTime now = NowUtc();
  const bool real = IsRealIncident(alert, rule_, in_play);
  switch (NoteIncidentAlert(current_, alert, real, now, rule_.cooldown)) {
    case FreezeChange::kNone:
      return;
    case FreezeChange::kStarted:
      Started(&alert);
      return;
    case FreezeChange::kHeld:
      thaw_timer_.cancel();
      FreezeTable(db_).Update(*current_).ok();
      Record(EventKind::kFreezeHeld, "alert from " + alert.source,
             FreezeUpdate{.freeze = current_->id,
                          .reason = IncidentReason(alert),
                          .alert = IncidentAlertKey(alert)});
      hooks_.say(fmt::format("freeze {} holds: {}", current_->id, IncidentReason(alert)));
      // A drill that began since (none should: the freeze vetoes injection) is stood down too.
      hooks_.stand_down(current_->reason);
      return;
    case FreezeChange::kThawing: {
      FreezeTable(db_).Update(*current_).ok();
      Record(EventKind::kFreezeThawing, "alert from " + alert.source,
             FreezeUpdate{.freeze = current_->id,
                          .alert = IncidentAlertKey(alert),
                          .thaw_at = *current_->thaw_at,
                          .cooldown_ms = rule_.cooldown.count()});
      hooks_.say(
          fmt::format("freeze {}: the incident's alerts resolved; drills stay stood down "
                      "until {} (cool-down {})",
                      current_->id, FormatUtc(*current_->thaw_at), FormatDuration(rule_.cooldown)));
      FreezeNoticeFacts facts;
      facts.event = FreezeNoticeEvent::kThawing;
      facts.cause = current_->cause;
      facts.reason = current_->reason;
      facts.by = current_->by;
      facts.at = now;
      facts.thaw_at = current_->thaw_at;
      notifier_.NotifyFreeze(facts);
      ArmThaw();
      return;
    }
    case FreezeChange::kChanged:
      FreezeTable(db_).Update(*current_).ok();
      Record(EventKind::kFreezeHeld, "alert from " + alert.source,
             FreezeUpdate{.freeze = current_->id,
                          .alert = IncidentAlertKey(alert),
                          .resolved = true,
                          .open_alerts = current_->open_alerts});
      return;
  }
}

ControlResponse Freezer::Freeze(const std::string& reason, const std::string& by) {
  if (reason.empty()) {
    return Answer(400, json::object{{"error",
                                     "\"reason\" is required: it is recorded and "
                                     "announced"}});
  }
  if (current_) {
    return Answer(409,
                  json::object{{"error", "a freeze already holds: " + DescribeFreeze(*current_)}});
  }
  FreezeRecord r;
  r.cause = "manual";
  r.reason = reason;
  r.by = by;
  r.started = NowUtc();
  current_ = std::move(r);
  Started(nullptr);
  if (!current_) return Answer(500, json::object{{"error", "the freeze could not be stored"}});
  return Answer(200, Json());
}

ControlResponse Freezer::Unfreeze(const std::string& reason, const std::string& by) {
  if (!current_) return Answer(409, json::object{{"error", "no freeze holds"}});
  json::object was = Json();
  End(reason.empty() ? "lifted by hand" : reason, by);
  was["frozen"] = false;
  was["ended_by"] = by;
  was["ended_at"] = FormatUtc(NowUtc());
  return Answer(200, was);
}

json::object Freezer::Json() const {
  if (!current_) return json::object{{"frozen", false}};
  json::object o{{"frozen", true},
                 {"id", current_->id},
                 {"cause", current_->cause},
                 {"reason", current_->reason},
                 {"by", current_->by},
                 {"since", FormatUtc(current_->started)},
                 {"open_alerts", Strings(current_->open_alerts)},
                 {"text", DescribeFreeze(*current_)}};
  o["thaw_at"] =
      current_->thaw_at ? json::value(FormatUtc(*current_->thaw_at)) : json::value(nullptr);
  return o;
}

std::map<std::string, std::uint64_t> Freezer::Counts() {
  auto counts = FreezeTable(db_).CountsByCause();
  if (!counts) return {{"incident", 0}, {"manual", 0}};
  return *counts;
}

void Freezer::Stop() { thaw_timer_.cancel(); }

void Freezer::Started(const Alert* alert) {
  FreezeRecord& r = *current_;
  if (Status st = FreezeTable(db_).Begin(r); !st) {
    // Not stored: it would not survive a restart, but the drills are stood down all the same.
    hooks_.say(fmt::format("the freeze could not be stored: {}", st.error().message));
  }
  // Stood down before the record is written: restoring is what matters most now.
  std::size_t stopped = hooks_.stand_down(r.reason);
  FreezeUpdate payload{.freeze = r.id,
                       .cause = r.cause,
                       .reason = r.reason,
                       .drills_stopped = static_cast<std::int64_t>(stopped)};
  if (alert != nullptr) {
    payload.alert = IncidentAlertKey(*alert);
    payload.labels.emplace(alert->labels.begin(), alert->labels.end());
    payload.rule.emplace(rule_.match.begin(), rule_.match.end());
  }
  Record(EventKind::kFreezeStarted, r.by, payload);
  hooks_.say(fmt::format("FREEZE {}: every drill stood down ({} running drill{} aborted): {}", r.id,
                         stopped, stopped == 1 ? "" : "s", DescribeFreeze(r)));
  FreezeNoticeFacts facts;
  facts.event = FreezeNoticeEvent::kStarted;
  facts.cause = r.cause;
  facts.reason = r.reason;
  facts.by = r.by;
  facts.at = r.started;
  facts.drills_stopped = stopped;
  notifier_.NotifyFreeze(facts);
}

void Freezer::End(const std::string& reason, const std::string& by) {
  thaw_timer_.cancel();
  const SysTime now = NowUtc();
  FreezeRecord r = std::move(*current_);
  current_.reset();
  FreezeTable(db_).End(r.id, now, by, reason).ok();
  Record(EventKind::kFreezeEnded, by,
         FreezeUpdate{
             .freeze = r.id,
             .cause = r.cause,
             .reason = reason,
             .open_alerts = r.open_alerts,
             .lasted_ms =
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - r.started).count()});
  hooks_.say(fmt::format("freeze {} ended (by {}): {}; drills may run again", r.id, by, reason));
  FreezeNoticeFacts facts;
  facts.event = FreezeNoticeEvent::kEnded;
  facts.cause = r.cause;
  facts.reason = reason;
  facts.by = by;
  facts.at = now;
  notifier_.NotifyFreeze(facts);
}

void Freezer::ArmThaw() {
  if (!current_ || !current_->thaw_at) return;
  thaw_timer_.expires_after(std::max(*current_->thaw_at - NowUtc(), Duration(0)));
  thaw_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !current_ || !current_->thaw_at) return;
    // The timer runs on the monotonic clock, the thaw time on the wall clock: early by a hair,
    // wait again.
    if (*current_->thaw_at > NowUtc()) return ArmThaw();
    End("the incident's alerts resolved and the cool-down passed", "orchestrator");
  });
}

void Freezer::Record(EventKind kind, const std::string& actor, const FreezeUpdate& payload) {
  AppendTyped(db_, "", kind, actor.empty() ? "unknown" : actor, payload).ok();
}

}  // namespace firedrill
