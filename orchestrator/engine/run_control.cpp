#include "orchestrator/engine/run_control.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "drills/zoned_time.h"
#include "orchestrator/engine/participant_match.h"

namespace firedrill {
namespace {

namespace json = boost::json;

ControlResponse Refusal(int status, const std::string& message) {
  return ControlResponse{status, json::serialize(json::object{{"error", message}})};
}

}  // namespace

ControlResponse RunControl::Handle(const ControlRequest& req) {
  if (req.route == "/v1/drills") {
    // The daemon's listing shape, with no schedules of its own: a foreground run is one drill.
    json::array drills{Status()};
    return ControlResponse{200,
                           json::serialize(json::object{{"drills", drills}, {"foreground", true}})};
  }
  auto id = req.params.find("id");
  if (id == req.params.end() || id->second != run_.drill.id) {
    return Refusal(
        404, "no running drill \"" + (id == req.params.end() ? std::string() : id->second) + "\"");
  }
  if (req.route == "/v1/drills/{id}") return ControlResponse{200, json::serialize(Status())};
  boost::system::error_code ec;
  json::value body = json::parse(req.body.empty() ? "{}" : req.body, ec);
  if (ec || !body.is_object()) return Refusal(400, "the body must be a JSON object");
  const json::object& o = body.as_object();
  auto field = [&](const char* key) -> std::string {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  std::string by = field("by").empty() ? "unknown" : field("by");
  if (req.route == "/v1/drills/{id}/ack") return Ack(field("what"), by, field("note"));
  if (req.route == "/v1/drills/{id}/abort") return Abort(by, field("reason"));
  return Refusal(404, "no such route: " + req.route);
}

json::object RunControl::Status() const {
  json::object o{{"id", run_.drill.id},
                 {"title", run_.drill.title},
                 {"service", run_.drill.service},
                 {"state", "running"},
                 {"phase", run_.phase},
                 {"run", run_.run_id},
                 {"window_start", FormatUtc(run_.drill.window.start)},
                 {"window_end", FormatUtc(run_.drill.window.end)},
                 {"zone", run_.drill.window.zone},
                 {"foreground", true},
                 {"pid", static_cast<std::int64_t>(::getpid())}};
  if (run_.t0) o["t0"] = FormatUtc(*run_.t0);
  return o;
}

ControlResponse RunControl::Ack(const std::string& what, const std::string& given,
                                const std::string& note) {
  if (what != "detected" && what != "recovered") {
    return Refusal(400, "\"what\" must be \"detected\" or \"recovered\"");
  }
  // Recorded under the participant's name as the drill lists it, so that the postmortem credits
  // "alice@example.com" for `--by alice`; a name that is no participant's is recorded as given.
  ParticipantMatch who = MatchParticipant(run_.drill.participants, given);
  if (!who.candidates.empty()) {
    return Refusal(400, fmt::format("\"{}\" could be any of the drill's participants {}; give the "
                                    "whole name with --by",
                                    given, fmt::join(who.candidates, ", ")));
  }
  const std::string by = who.name.empty() ? given : who.name;
  if (!run_.t0) return Refusal(409, "no fault is in place yet; nothing to acknowledge");
  const SysTime at = run_.clock.UtcNow();
  const Duration since = run_.SinceT0(at);
  std::optional<Duration>& slot = what == "detected" ? run_.ttd_human : run_.ttr_human;
  bool first = !slot.has_value();
  if (first) slot = since;
  std::string suffix = note.empty() ? "" : ": " + note;
  run_.acks.push_back(fmt::format("{} by {} at {} (T0+{}){}", what, by, FormatUtc(at),
                                  FormatDuration(since), suffix));
  AckPayload payload{.by = by, .note = note, .since_t0_ms = since.count(), .first = first};
  if (by != given) payload.by_as_given = given;
  rec_.RecordAt(
      at, what == "detected" ? EventKind::kAckDetected : EventKind::kAckRecovered, payload,
      fmt::format("{} acknowledged {} (T0+{}){}", by, what, FormatDuration(since), suffix), by);
  return ControlResponse{200, json::serialize(json::object{{"recorded_at", FormatUtc(at)},
                                                           {"drill", run_.drill.id},
                                                           {"what", what},
                                                           {"by", by},
                                                           {"since_t0_ms", since.count()}})};
}

ControlResponse RunControl::Abort(const std::string& by, const std::string& reason) {
  if (reason.empty()) return Refusal(400, "\"reason\" is required");
  if (run_.RequestAbort(fmt::format("aborted by {}: {}", by, reason))) {
    rec_.Record(EventKind::kAbortRequested, AbortRequested{.by = by, .reason = reason},
                fmt::format("abort requested by {}: {}", by, reason), by);
  }
  return ControlResponse{
      202, json::serialize(json::object{{"drill", run_.drill.id}, {"state", "aborting"}})};
}

}  // namespace firedrill
