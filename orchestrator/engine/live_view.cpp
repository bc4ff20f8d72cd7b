#include "orchestrator/engine/live_view.h"

#include <fmt/format.h>

#include <algorithm>

namespace firedrill {

namespace {

std::optional<Duration> Ms(const std::optional<std::int64_t>& ms) {
  return ms ? std::optional<Duration>(Duration(*ms)) : std::nullopt;
}

// The payload of an event as P; P's defaults when it is another (not expected: the recorder
// writes each kind's own struct).
template <typename P>
const P& Of(const EventPayload& payload) {
  static const P kEmpty{};
  const P* p = std::get_if<P>(&payload);
  return p != nullptr ? *p : kEmpty;
}

// The fault named `id` in the view; added (injected without being planned: the wheel's drawn
// faults are not shown before they are in place) when absent.
LiveFault& FaultOf(LiveView& view, const std::string& id, const std::string& kind = "",
                   const std::string& target = "") {
  auto it = std::find_if(view.faults.begin(), view.faults.end(),
                         [&](const LiveFault& f) { return f.id == id; });
  if (it != view.faults.end()) return *it;
  view.faults.push_back(LiveFault{id, kind, target, LiveFault::State::kWaiting, ""});
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

std::string WithNote(const std::string& text, const std::string& note) {
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
    v.probes.push_back(LiveProbe{p.name, p.target, LiveProbe::State::kNotChecked, "", {}, {}});
  }
  return v;
}

void ApplyLiveEvent(LiveView& view, SysTime at, EventKind kind, const EventPayload& payload) {
  using K = EventKind;
  switch (kind) {
    case K::kRunStarted:
      view.run_id = Of<RunStarted>(payload).run;
      break;
    case K::kWaiting:
      view.phase = "waiting";
      break;
    case K::kPreflightPassed:
      view.phase = "injecting";
      for (LiveProbe& p : view.probes) {
        p.state = LiveProbe::State::kGreen;
        p.reason = "green at preflight";
        p.since = at;
        p.changes.push_back({at, p.state, p.reason});
      }
      break;
    case K::kPreflightRefused:
      view.phase = "refused";
      view.finished = true;
      Note(view, at,
           fmt::format("refused to inject: {}",
                       fmt::join(Of<PreflightRefused>(payload).reasons, "; ")));
      break;
    case K::kT0:
      view.t0 = at;
      break;
    case K::kFaultInjected: {
      const auto& p = Of<FaultInjected>(payload);
      FaultOf(view, p.fault, p.kind, p.target).state = LiveFault::State::kInPlace;
      break;
    }
    case K::kInjectFailed: {
      const auto& p = Of<InjectFailed>(payload);
      LiveFault& f = FaultOf(view, p.fault, "", p.target.value_or(""));
      f.state = LiveFault::State::kInjectFailed;
      f.note = p.error;
      break;
    }
    case K::kActive:
      view.phase = "active";
      break;
    case K::kProbeRed:
    case K::kProbeGreen: {
      const auto& p = Of<ProbeChange>(payload);
      if (LiveProbe* probe = ProbeOf(view, p.probe)) {
        probe->state = kind == K::kProbeRed ? LiveProbe::State::kRed : LiveProbe::State::kGreen;
        probe->reason = p.detail;
        probe->since = at;
        if (probe->changes.size() == kMaxProbeChanges) probe->changes.erase(probe->changes.begin());
        probe->changes.push_back({at, probe->state, p.detail});
      }
      break;
    }
    case K::kRecovered:
      view.ttr_probes = Ms(Of<Recovered>(payload).ttr_ms);
      break;
    case K::kAckDetected:
    case K::kAckRecovered: {
      const auto& p = Of<AckPayload>(payload);
      const bool detected = kind == K::kAckDetected;
      if (p.first) {
        (detected ? view.ttd_human : view.ttr_human) = Ms(p.since_t0_ms);
        (detected ? view.ttd_human_by : view.ttr_human_by) = p.by;
      }
      Note(view, at,
           WithNote(fmt::format("{} acknowledged {}", p.by, detected ? "detected" : "recovered"),
                    p.note));
      break;
    }
    case K::kAlertDetected: {
      const auto& p = Of<AlertDetected>(payload);
      view.ttd_alert = Ms(p.since_t0_ms);
      view.ttd_alert_from = p.source;
      Note(view, at,
           fmt::format("alert from {}{}", view.ttd_alert_from,
                       p.summary.empty() ? "" : fmt::format(" ({})", p.summary)));
      break;
    }
    case K::kGuardTripped: {
      const auto& p = Of<GuardTripped>(payload);
      Note(view, at, fmt::format("guard {} tripped: {}", p.guard, p.reason));
      break;
    }
    case K::kAbortRequested: {
      const auto& p = Of<AbortRequested>(payload);
      Note(view, at, WithNote(fmt::format("abort requested by {}", p.by), p.reason));
      break;
    }
    case K::kAborted:
      view.phase = "aborted";
      view.finished = true;
      Note(view, at, "aborted before injecting anything: " + Of<Aborted>(payload).reason);
      break;
    case K::kRestoreStarted:
      view.phase = "restoring";
      view.ending_reason = Of<RestoreStarted>(payload).reason;
      break;
    case K::kFaultRestored: {
      const auto& p = Of<FaultRestored>(payload);
      LiveFault& f = FaultOf(view, p.fault, p.kind, p.target);
      f.state = LiveFault::State::kRestored;
      f.note = p.verified ? "verified by its check" : "not verified";
      break;
    }
    case K::kRestoreFailed: {
      const auto& p = Of<FaultRestored>(payload);
      LiveFault& f = FaultOf(view, p.fault, p.kind, p.target);
      f.state = LiveFault::State::kRestoreFailed;
      f.note = p.message;
      break;
    }
    case K::kRunEnded:
    case K::kRestoreIncomplete:
      view.phase = kind == K::kRunEnded ? "closed" : "restore-incomplete";
      view.outcome = Of<RunEnded>(payload).outcome_text;
      view.finished = true;
      break;
    default:
      break;
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
