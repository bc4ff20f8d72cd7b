#include "orchestrator/report/timeline_text.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "drills/zoned_time.h"

namespace firedrill {
namespace {

namespace json = boost::json;

std::string WithNote(const std::string& text, const std::string& note) {
  return note.empty() ? text : text + ": " + note;
}

// The payload without "run", compactly: for event kinds without a struct of their own.
std::string Describe(const std::string& payload_json) {
  boost::system::error_code ec;
  json::value v = json::parse(payload_json, ec);
  if (ec || !v.is_object()) return payload_json;
  v.as_object().erase("run");
  return v.as_object().empty() ? std::string() : json::serialize(v);
}

}  // namespace

std::string TimelineText(const TypedEvent& t, const DrillFacts* facts, bool is_t0) {
  const Event& e = *t.event;
  if (!t.problem.empty()) {
    return fmt::format("{} (its details could not be read: {})", e.kind, t.problem);
  }
  using K = EventKind;
  switch (t.kind) {
    case K::kRunStarted: {
      const auto& p = t.PayloadOr<RunStarted>();
      return fmt::format("run {} started{}", p.run,
                         p.file.empty() ? "" : fmt::format(" (drill file {})", p.file));
    }
    case K::kAnnounced:
      return WithNote("drill announced", t.PayloadOr<Announced>().channel);
    case K::kAnnounceOverridden:
      return WithNote("announcement lead time overridden",
                      t.PayloadOr<AnnounceOverridden>().reason);
    case K::kBriefed:
      return WithNote(fmt::format("participants briefed by {}", e.actor),
                      t.PayloadOr<Briefed>().note.value_or(""));
    case K::kWaiting: {
      const auto& at = t.PayloadOr<Waiting>().inject_at;
      return fmt::format("waiting for the window; first injection due at {}",
                         at ? FormatUtc(*at) : std::string("?"));
    }
    case K::kPreflightPassed: {
      const auto& p = t.PayloadOr<PreflightPassed>();
      return fmt::format("preflight passed: {} probe(s) green, {} fault(s) ready", p.probes,
                         p.faults);
    }
    case K::kPreflightRefused:
      return fmt::format("preflight refused to inject: {}",
                         fmt::join(t.PayloadOr<PreflightRefused>().reasons, "; "));
    case K::kT0: {
      const auto& p = t.PayloadOr<T0>();
      return fmt::format("T0: the first fault is in place ({} on {})", p.fault, p.target);
    }
    case K::kFaultInjected: {
      const auto& p = t.PayloadOr<FaultInjected>();
      return fmt::format("fault {} injected and in place ({} on {}){}", p.fault, p.kind, p.target,
                         is_t0 ? " - T0" : "");
    }
    case K::kInjectFailed: {
      const auto& p = t.PayloadOr<InjectFailed>();
      return fmt::format("injecting fault {} failed: {}", p.fault, p.error);
    }
    case K::kActive:
      return "drill active; probes watched until recovery, abort or auto-restore";
    case K::kAlertDetected: {
      const auto& p = t.PayloadOr<AlertDetected>();
      return fmt::format(
          "alert received from {}{}", p.source.empty() ? "?" : p.source,
          p.fingerprint.empty() ? "" : fmt::format(" (fingerprint {})", p.fingerprint));
    }
    case K::kAckDetected: {
      const auto& p = t.PayloadOr<AckPayload>();
      return WithNote(fmt::format("{} acknowledged detection", p.by), p.note);
    }
    case K::kAckRecovered: {
      const auto& p = t.PayloadOr<AckPayload>();
      return WithNote(fmt::format("{} marked the service recovered", p.by), p.note);
    }
    case K::kProbeRed: {
      const auto& p = t.PayloadOr<ProbeChange>();
      return WithNote(fmt::format("probe {} red", p.probe), p.detail);
    }
    case K::kProbeGreen:
      return fmt::format("probe {} green again", t.PayloadOr<ProbeChange>().probe);
    case K::kRecovered: {
      const auto& ms = t.PayloadOr<Recovered>().ttr_ms;
      return fmt::format("every probe green again: recovered{}",
                         ms ? fmt::format(" (TTR {})", FormatDuration(Duration(*ms))) : "");
    }
    case K::kGuardTripped: {
      const auto& p = t.PayloadOr<GuardTripped>();
      if (!p.reason.empty()) return fmt::format("guard {} tripped: {}", p.guard, p.reason);
      std::string limit;
      if (facts != nullptr) {
        for (const GuardLimit& g : facts->probe_guards) {
          if (g.name == p.guard) limit = " for more than " + FormatDuration(g.max_red);
        }
      }
      const std::string probe = p.probe.value_or("");
      return fmt::format("guard {} tripped{}", p.guard,
                         probe.empty() ? "" : fmt::format(": probe {} red{}", probe, limit));
    }
    case K::kAbortRequested: {
      const auto& p = t.PayloadOr<AbortRequested>();
      return WithNote(fmt::format("{} requested an abort", p.by), p.reason);
    }
    case K::kAborted:
      return WithNote("aborted before any fault was injected", t.PayloadOr<Aborted>().reason);
    case K::kRestoreStarted:
      return WithNote("restore started", t.PayloadOr<RestoreStarted>().reason);
    case K::kFaultRestored: {
      const auto& p = t.PayloadOr<FaultRestored>();
      return fmt::format("fault {} restored{}", p.fault,
                         p.verified ? " and verified by its check"
                                    : ", not verified: no check command, the restore command's "
                                      "exit status is the only evidence");
    }
    case K::kRestoreFailed: {
      const auto& p = t.PayloadOr<FaultRestored>();
      return WithNote(fmt::format("restoring fault {} failed", p.fault), p.message);
    }
    case K::kRestoreIncomplete: {
      std::vector<std::string> left;
      for (const RemainingFault& r : t.PayloadOr<RunEnded>().remaining) left.push_back(r.fault);
      return fmt::format("RESTORE INCOMPLETE: still in place: {}; manual action needed",
                         fmt::join(left, ", "));
    }
    case K::kRunEnded:
      return WithNote("run ended", t.PayloadOr<RunEnded>().outcome);
    default:
      break;
  }
  std::string rest = Describe(e.payload_json);
  return rest.empty() ? e.kind : e.kind + " " + rest;
}

}  // namespace firedrill
