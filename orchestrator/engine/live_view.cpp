#include "orchestrator/engine/live_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

namespace firedrill {

namespace json = boost::json;

namespace {

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<Duration> Ms(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return Duration(v->as_int64());
  if (v->is_uint64()) return Duration(static_cast<std::int64_t>(v->as_uint64()));
  if (v->is_double()) return Duration(static_cast<std::int64_t>(v->as_double()));
  return std::nullopt;
}

bool Bool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

// The fault named `id` in the view; added (injected without being planned: the wheel's drawn
// faults are not shown before they are in place) when absent.
LiveFault& FaultOf(LiveView& view, const json::object& payload) {
  const std::string id = Str(payload, "fault");
  auto it = std::find_if(view.faults.begin(), view.faults.end(),
                         [&](const LiveFault& f) { return f.id == id; });
  if (it != view.faults.end()) return *it;
  view.faults.push_back(
      LiveFault{id, Str(payload, "kind"), Str(payload, "target"), LiveFault::State::kWaiting, ""});
  return view.faults.back();
}

LiveProbe* ProbeOf(LiveView& view, const std::string& name) {
  auto it = std::find_if(view.probes.begin(), view.probes.end(),
                         [&](const LiveProbe& p) { return p.name == name; });
  return it == view.probes.end() ? nullptr : &*it;
}

void Note(LiveView& view, SysTime at, std::string text) {
  view.notes.push_back(LiveNote{at, std::move(text)});
}

std::string WithNote(const std::string& text, const json::object& payload, const char* key) {
  std::string note = Str(payload, key);
  return note.empty() ? text : fmt::format("{}: \"{}\"", text, note);
}

}  // namespace

LiveView MakeLiveView(const Drill& drill, const DrillPlan& plan, bool sealed) {
  LiveView v;
  v.drill_id = drill.id;
  v.title = drill.title;
  v.zone = drill.window.zone;
  v.window_start = plan.window_start;
  v.first_inject_at = plan.faults.empty() ? plan.window_start : plan.faults.front().inject_at;
  v.restore_at = plan.restore_at;
  v.detect_within = drill.objectives.detect_within;
  v.recover_within = drill.objectives.recover_within;
  v.has_probes = !drill.probes.empty();
  v.wheel = sealed;
  // A wheel's choice is sealed: its faults are shown once they are in place, not before.
  if (!v.wheel) {
    for (const FaultSpec& f : drill.faults) {
      v.faults.push_back(LiveFault{f.id, f.kind, f.target, LiveFault::State::kWaiting, ""});
    }
  }
  for (const Probe& p : drill.probes) {
    v.probes.push_back(LiveProbe{p.name, p.target, LiveProbe::State::kNotChecked, "", {}});
  }
  return v;
}

void ApplyLiveEvent(LiveView& view, SysTime at, std::string_view kind,
                    const json::object& payload) {
  if (kind == "run-started") {
    view.run_id = Str(payload, "run");
  } else if (kind == "waiting") {
    view.phase = "waiting";
  } else if (kind == "preflight-passed") {
    view.phase = "injecting";
    for (LiveProbe& p : view.probes) {
      p.state = LiveProbe::State::kGreen;
      p.reason = "green at preflight";
      p.since = at;
    }
  } else if (kind == "preflight-refused") {
    view.phase = "refused";
    view.finished = true;
    std::string reasons;
    if (const json::value* r = payload.if_contains("reasons"); r != nullptr && r->is_array()) {
      for (const json::value& x : r->as_array()) {
        if (!x.is_string()) continue;
        reasons += (reasons.empty() ? "" : "; ") + std::string(x.as_string());
      }
    }
    Note(view, at, "refused to inject: " + reasons);
  } else if (kind == "t0") {
    view.t0 = at;
  } else if (kind == "fault-injected") {
    FaultOf(view, payload).state = LiveFault::State::kInPlace;
  } else if (kind == "inject-failed") {
    LiveFault& f = FaultOf(view, payload);
    f.state = LiveFault::State::kInjectFailed;
    f.note = Str(payload, "error");
  } else if (kind == "active") {
    view.phase = "active";
  } else if (kind == "probe-red" || kind == "probe-green") {
    if (LiveProbe* p = ProbeOf(view, Str(payload, "probe"))) {
      p->state = kind == "probe-red" ? LiveProbe::State::kRed : LiveProbe::State::kGreen;
      p->reason = Str(payload, "detail");
      p->since = at;
    }
  } else if (kind == "recovered") {
    view.ttr_probes = Ms(payload, "ttr_ms");
  } else if (kind == "ack-detected" || kind == "ack-recovered") {
    const bool detected = kind == "ack-detected";
    const std::string by = Str(payload, "by");
    if (Bool(payload, "first")) {
      (detected ? view.ttd_human : view.ttr_human) = Ms(payload, "since_t0_ms");
      (detected ? view.ttd_human_by : view.ttr_human_by) = by;
    }
    Note(view, at,
         WithNote(fmt::format("{} acknowledged {}", by, detected ? "detected" : "recovered"),
                  payload, "note"));
  } else if (kind == "alert-detected") {
    view.ttd_alert = Ms(payload, "since_t0_ms");
    std::string summary = Str(payload, "summary");
    view.ttd_alert_from = Str(payload, "source");
    Note(view, at,
         fmt::format("alert from {}{}", view.ttd_alert_from,
                     summary.empty() ? "" : fmt::format(" ({})", summary)));
  } else if (kind == "guard-tripped") {
    Note(view, at,
         fmt::format("guard {} tripped: {}", Str(payload, "guard"), Str(payload, "reason")));
  } else if (kind == "abort-requested") {
    Note(view, at,
         WithNote(fmt::format("abort requested by {}", Str(payload, "by")), payload, "reason"));
  } else if (kind == "aborted") {
    view.phase = "aborted";
    view.finished = true;
    Note(view, at, "aborted before injecting anything: " + Str(payload, "reason"));
  } else if (kind == "restore-started") {
    view.phase = "restoring";
    view.ending_reason = Str(payload, "reason");
  } else if (kind == "fault-restored") {
    LiveFault& f = FaultOf(view, payload);
    f.state = LiveFault::State::kRestored;
    f.note = Bool(payload, "verified") ? "verified by its check" : "not verified";
  } else if (kind == "restore-failed") {
    LiveFault& f = FaultOf(view, payload);
    f.state = LiveFault::State::kRestoreFailed;
    f.note = Str(payload, "message");
  } else if (kind == "run-ended" || kind == "restore-incomplete") {
    view.phase = kind == "run-ended" ? "closed" : "restore-incomplete";
    view.outcome = Str(payload, "outcome_text");
    view.finished = true;
  }
}

std::optional<Duration> LiveTtd(const LiveView& view) {
  if (view.ttd_human && view.ttd_alert) return std::min(*view.ttd_human, *view.ttd_alert);
  return view.ttd_human ? view.ttd_human : view.ttd_alert;
}

std::optional<Duration> LiveTtr(const LiveView& view) {
  return view.has_probes ? view.ttr_probes : view.ttr_human;
}

}  // namespace firedrill
