#include "orchestrator/report/run_facts.h"

#include <fmt/format.h>

#include <algorithm>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/report/timeline_text.h"
#include "orchestrator/store/typed_event.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

// A recorded offset from T0 in milliseconds when there is one, else `ts - t0`.
std::optional<Duration> Offset(const std::optional<std::int64_t>& ms, SysTime ts,
                               const std::optional<SysTime>& t0) {
  if (ms) return Duration(*ms);
  if (t0) return std::chrono::duration_cast<Duration>(ts - *t0);
  return std::nullopt;
}

FaultFact& FaultOf(std::vector<FaultFact>& faults, const std::string& id) {
  for (FaultFact& f : faults) {
    if (f.id == id) return f;
  }
  faults.push_back(FaultFact{});
  faults.back().id = id;
  return faults.back();
}

}  // namespace

std::string OutcomeName(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kInProgress:
      return "in-progress";
    case RunOutcome::kRefused:
      return "refused";
    case RunOutcome::kNotInjected:
      return "not-injected";
    case RunOutcome::kRecoveredByTeam:
      return "recovered-by-team";
    case RunOutcome::kAbsorbed:
      return "absorbed";
    case RunOutcome::kAutoRestored:
      return "auto-restored";
    case RunOutcome::kAborted:
      return "aborted";
    case RunOutcome::kInconclusive:
      return "inconclusive";
    case RunOutcome::kInterrupted:
      return "interrupted";
    case RunOutcome::kRestoreIncomplete:
      return "restore-incomplete";
  }
  return "in-progress";
}

std::string RecoveredByText(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kRecoveredByTeam:
      return "the team";
    case RunOutcome::kAbsorbed:
      return "the system absorbed the fault (healthy again while it was in place; nobody acted)";
    case RunOutcome::kAutoRestored:
      return "firedrill's auto-restore at window end (the team did not recover in time)";
    case RunOutcome::kAborted:
      return "nobody: aborted before recovery; firedrill restored every fault";
    case RunOutcome::kInconclusive:
      return "inconclusive: the fault had no observable effect (no probe red, no alert)";
    case RunOutcome::kInterrupted:
      return "nobody: the run was interrupted; its faults were restored afterwards";
    case RunOutcome::kRestoreIncomplete:
      return "nobody: the restore was incomplete";
    case RunOutcome::kRefused:
      return "nothing to recover: refused before injecting";
    case RunOutcome::kNotInjected:
      return "nothing to recover: no fault was in place";
    case RunOutcome::kInProgress:
      return "in progress";
  }
  return "in progress";
}

std::shared_ptr<const Drill> DrillSourceCache::Load(const std::string& source,
                                                    const std::string& file, std::string& problem) {
  std::string key = file;
  key += '\0';
  key += source;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    Entry e;
    LoadResult r = LoadDrillText(source, file, DrillFaultCatalog());
    if (r.ok()) {
      e.drill = std::make_shared<const Drill>(std::move(*r.drill));
    } else {
      e.problem = r.diagnostics.empty() ? std::string("the recorded drill text does not load")
                                        : r.diagnostics.front().ToString();
    }
    it = entries_.emplace(std::move(key), std::move(e)).first;
  }
  problem = it->second.problem;
  return it->second.drill;
}

std::string RunIdOf(const Event& event) { return PayloadRunId(event.payload_json); }

std::optional<std::string> LatestRunId(std::span<const Event> events) {
  std::optional<std::string> any;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    std::string run = RunIdOf(*it);
    if (run.empty()) continue;
    if (it->kind == "run-started") return run;
    if (!any) any = run;
  }
  return any;
}

RunFacts DeriveRunFacts(std::span<const Event> events, DrillSourceCache* cache,
                        TimelineDetail detail, DrillDetail drill_detail) {
  RunFacts f;
  // Every payload is read once, as its typed struct.
  const std::vector<TypedEvent> evs = DecodeEvents(events);
  const bool with_timeline = detail == TimelineDetail::kFull;

  // Identity, the drill and T0 first: every later line needs them. T0 is the run's `t0` fact;
  // records from before it was recorded on its own take the earliest `fault-injected`.
  std::optional<SysTime> recorded_t0;
  for (const TypedEvent& x : evs) {
    if (f.drill_id.empty()) f.drill_id = x.event->drill_id;
    if (f.run_id.empty()) f.run_id = x.run;
    if (x.kind == EventKind::kRunStarted && !f.started) {
      const auto& p = x.PayloadOr<RunStarted>();
      f.started = x.event->ts;
      f.run_id = x.run;
      f.drill_file = p.file;
      f.source = p.source;
      f.window_start = p.window_start;
      f.window_end = p.window_end;
      f.drill_facts = p.drill_facts;
    }
    if (x.kind == EventKind::kT0 && !recorded_t0) {
      recorded_t0 = x.PayloadOr<T0>().at.value_or(x.event->ts);
    }
    if (x.kind == EventKind::kFaultInjected && (!f.t0 || x.event->ts < *f.t0)) f.t0 = x.event->ts;
    f.last_event = f.last_event ? std::max(*f.last_event, x.event->ts) : x.event->ts;
  }
  if (recorded_t0) f.t0 = recorded_t0;
  // Parsing the text is most of the cost of an audit, which needs only the recorded facts.
  const bool facts_only = drill_detail == DrillDetail::kFactsOnly && f.drill_facts;
  if (facts_only) {
    // Not parsed: nothing is missing.
  } else if (f.source.empty()) {
    f.drill_problem = f.started ? "run-started recorded no drill text"
                                : "the run's run-started event is not in the records";
  } else if (cache != nullptr) {
    f.drill = cache->Load(f.source, f.drill_file, f.drill_problem);
  } else {
    DrillSourceCache local;
    f.drill = local.Load(f.source, f.drill_file, f.drill_problem);
  }
  const Drill* drill = f.drill.get();
  // Runs recorded before drill facts existed: the same facts, from the parsed text.
  if (!f.drill_facts && drill != nullptr) f.drill_facts = DrillFactsOf(*drill);
  const DrillFacts* facts = f.drill_facts ? &*f.drill_facts : nullptr;

  std::optional<bool> recorded_team_recovered;
  bool ended = false;
  bool interrupted = false;
  bool saw_probe_red = false;
  bool saw_alert = false;
  bool refused = false;
  bool not_injected_abort = false;
  std::optional<SysTime> restore_started;
  std::optional<SysTime> last_restored;
  // People seen acting, in order of first appearance, with what they did.
  std::vector<std::pair<std::string, std::vector<std::string>>> actors;
  auto saw_actor = [&](const std::string& who, const std::string& action) {
    if (who.empty() || who == "unknown" || who == "orchestrator") return;
    auto it =
        std::find_if(actors.begin(), actors.end(), [&](const auto& a) { return a.first == who; });
    if (it == actors.end()) it = actors.insert(actors.end(), {who, {}});
    if (std::find(it->second.begin(), it->second.end(), action) == it->second.end()) {
      it->second.push_back(action);
    }
  };
  bool t0_marked = false;

  for (const TypedEvent& x : evs) {
    const Event& e = *x.event;
    using K = EventKind;
    const K k = x.kind;
    bool is_t0 = !recorded_t0 && k == K::kFaultInjected && f.t0 && e.ts == *f.t0 && !t0_marked;
    if (is_t0) t0_marked = true;
    if (with_timeline) f.timeline.push_back({e.ts, e.kind, e.actor, TimelineText(x, facts, is_t0)});

    switch (k) {
      case K::kAnnounced:
        // Copied into a run by the engine with the time of the announcement itself as "at".
        if (!f.announced_at) f.announced_at = x.PayloadOr<Announced>().at.value_or(e.ts);
        break;
      case K::kAnnounceOverridden: {
        const std::string& reason = x.PayloadOr<AnnounceOverridden>().reason;
        f.announce_override = reason.empty() ? "no reason recorded" : reason;
        break;
      }
      case K::kBriefed:
        if (!f.briefed_at) {
          f.briefed_at = x.PayloadOr<Briefed>().at.value_or(e.ts);
          f.briefed_by = e.actor;
          saw_actor(e.actor, "recorded the briefing");
        }
        break;
      case K::kPreflightRefused: {
        refused = true;
        const auto& reasons = x.PayloadOr<PreflightRefused>().reasons;
        f.refusal_reasons.insert(f.refusal_reasons.end(), reasons.begin(), reasons.end());
        break;
      }
      case K::kFaultInjected: {
        const auto& p = x.PayloadOr<FaultInjected>();
        FaultFact& ff = FaultOf(f.faults, p.fault);
        ff.kind = p.kind;
        ff.target = p.target;
        if (!ff.injected_at) ff.injected_at = e.ts;
        break;
      }
      case K::kInjectFailed:
        FaultOf(f.faults, x.PayloadOr<InjectFailed>().fault);
        break;
      case K::kAlertDetected: {
        saw_alert = true;
        const auto& p = x.PayloadOr<AlertDetected>();
        if (f.t0 && e.ts >= *f.t0 && !f.first_alert) {
          Duration since = Offset(p.since_t0_ms, e.ts, f.t0).value_or(Duration(0));
          f.first_alert = AlertFact{e.ts, p.source, p.fingerprint, since};
          f.ttd_alert = since;
        }
        break;
      }
      case K::kAckDetected:
      case K::kAckRecovered: {
        const auto& p = x.PayloadOr<AckPayload>();
        std::string by = p.by.empty() ? e.actor : p.by;
        saw_actor(by, k == K::kAckDetected ? "acknowledged detection" : "marked recovered");
        AckFact a{e.ts, by, p.note, Offset(p.since_t0_ms, e.ts, f.t0).value_or(Duration(0))};
        if (!f.first_team_action || e.ts < *f.first_team_action) f.first_team_action = e.ts;
        if (k == K::kAckDetected) {
          if (f.detected_acks.empty()) f.ttd_human = a.since_t0;
          f.detected_acks.push_back(std::move(a));
        } else {
          if (f.recovered_acks.empty()) f.ttr_team = a.since_t0;
          f.recovered_acks.push_back(std::move(a));
        }
        break;
      }
      case K::kProbeRed:
        saw_probe_red = true;
        break;
      case K::kRecovered:
        if (!f.ttr_probe) f.ttr_probe = Offset(x.PayloadOr<Recovered>().ttr_ms, e.ts, f.t0);
        if (!f.recovered_at) f.recovered_at = e.ts;
        break;
      case K::kGuardTripped: {
        const auto& p = x.PayloadOr<GuardTripped>();
        f.guard_trips.push_back({e.ts, p.guard, p.probe.value_or("")});
        f.aborted = true;
        if (f.abort_reason.empty()) f.abort_reason = fmt::format("guard {} tripped", p.guard);
        break;
      }
      case K::kAbortRequested: {
        const auto& p = x.PayloadOr<AbortRequested>();
        saw_actor(p.by.empty() ? e.actor : p.by, "requested an abort");
        f.aborted = true;
        if (f.abort_reason.empty()) {
          f.abort_reason = fmt::format("aborted by {}: {}", p.by, p.reason);
        }
        break;
      }
      case K::kAborted:
        f.aborted = true;
        not_injected_abort = true;
        ended = true;
        if (f.abort_reason.empty()) f.abort_reason = x.PayloadOr<Aborted>().reason;
        break;
      case K::kRestoreStarted: {
        if (!restore_started) restore_started = e.ts;
        const std::string& reason = x.PayloadOr<RestoreStarted>().reason;
        if (!reason.empty() && reason != kWindowEndReason) {
          f.aborted = true;
          f.abort_reason = reason;  // the engine's own words win over what we guessed
        }
        break;
      }
      case K::kFaultRestored: {
        const auto& p = x.PayloadOr<FaultRestored>();
        FaultFact& ff = FaultOf(f.faults, p.fault);
        if (ff.kind.empty()) ff.kind = p.kind;
        if (ff.target.empty()) ff.target = p.target;
        ff.restored = true;
        ff.verified = p.verified;
        ff.restored_at = e.ts;
        ff.restored_by = e.actor;
        ff.restore_message = p.message;
        if (!ff.injected_at && p.ledger_status == "injecting") ff.unknown_at_crash = true;
        last_restored = last_restored ? std::max(*last_restored, e.ts) : e.ts;
        break;
      }
      case K::kRestoreFailed: {
        const auto& p = x.PayloadOr<FaultRestored>();
        FaultFact& ff = FaultOf(f.faults, p.fault);
        if (ff.kind.empty()) ff.kind = p.kind;
        if (ff.target.empty()) ff.target = p.target;
        ff.restore_errors.push_back(p.message);
        break;
      }
      case K::kRestoreIncomplete:
      case K::kRunEnded: {
        const auto& p = x.PayloadOr<RunEnded>();
        ended = true;
        if (p.outcome == "interrupted") {
          interrupted = true;
          f.closed_by = e.actor;
        }
        if (p.recovered_by_team) recorded_team_recovered = p.recovered_by_team;
        if (k == K::kRestoreIncomplete) {
          f.restore_incomplete.clear();
          for (const RemainingFault& r : p.remaining) {
            f.restore_incomplete.push_back({r.fault, r.error, r.undo});
          }
        }
        break;
      }
      default:
        break;
    }
  }
  // The announced window, placed among the events.
  if (with_timeline && f.window_start)
    f.timeline.push_back({*f.window_start, "window-opens", "", "window opens"});
  if (with_timeline && f.window_end)
    f.timeline.push_back({*f.window_end, "window-closes", "", "window closes"});
  std::stable_sort(f.timeline.begin(), f.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.ts < b.ts; });

  // Who recovered. With probes: every probe that went red green again (`recovered`), by the team
  // when someone had acted by then, else the system absorbed the fault. Without probes: the
  // team's own mark. Without the drill (an unreadable old record): what the engine recorded.
  bool absorbed = false;
  const bool has_probes = facts != nullptr ? facts->has_probes : f.ttr_probe.has_value();
  if (facts == nullptr && recorded_team_recovered) {
    f.team_recovered = *recorded_team_recovered;
  } else if (has_probes) {
    const bool acted =
        f.first_team_action && f.recovered_at && *f.first_team_action <= *f.recovered_at;
    f.team_recovered = f.ttr_probe.has_value() && acted;
    absorbed = f.ttr_probe.has_value() && !acted;
  } else {
    f.team_recovered = f.ttr_team.has_value();
  }
  f.team_recovered = f.team_recovered && f.t0.has_value();
  absorbed = absorbed && f.t0.has_value();
  f.effect_observed = saw_probe_red || saw_alert ||
                      (!has_probes && (!f.detected_acks.empty() || !f.recovered_acks.empty()));

  // Probe impact: each red until its green, else until the faults were restored.
  bool all_restored = std::all_of(f.faults.begin(), f.faults.end(), [](const FaultFact& ff) {
    return !ff.injected_at || ff.restored;
  });
  std::optional<SysTime> restore_end =
      all_restored ? (last_restored ? last_restored : restore_started) : f.last_event;
  std::map<std::string, SysTime> open;
  for (const TypedEvent& x : evs) {
    if (x.kind != EventKind::kProbeRed && x.kind != EventKind::kProbeGreen) continue;
    const std::string& probe = x.PayloadOr<ProbeChange>().probe;
    if (x.kind == EventKind::kProbeRed) {
      open.emplace(probe, x.event->ts);
    } else {
      auto it = open.find(probe);
      if (it != open.end()) {
        f.red_intervals.push_back({probe, it->second, x.event->ts, true});
        open.erase(it);
      }
    }
  }
  for (const auto& [probe, from] : open) {
    SysTime to = restore_end && *restore_end >= from ? *restore_end : f.last_event.value_or(from);
    f.red_intervals.push_back({probe, from, std::max(from, to), false});
    if (!all_restored) f.impact_lower_bound = true;
  }
  std::sort(f.red_intervals.begin(), f.red_intervals.end(),
            [](const RedInterval& a, const RedInterval& b) { return a.from < b.from; });
  std::optional<SysTime> cover_from, cover_to;
  for (const RedInterval& r : f.red_intervals) {
    if (cover_to && r.from <= *cover_to) {
      cover_to = std::max(*cover_to, r.to);
      continue;
    }
    if (cover_from) f.impact += *cover_to - *cover_from;
    cover_from = r.from;
    cover_to = r.to;
  }
  if (cover_from) f.impact += *cover_to - *cover_from;

  // Participants: the drill's list, then anyone else seen acting.
  auto actions_of = [&](const std::string& who) {
    auto it =
        std::find_if(actors.begin(), actors.end(), [&](const auto& a) { return a.first == who; });
    return it == actors.end() ? std::vector<std::string>{} : it->second;
  };
  if (drill != nullptr) {
    for (const Participant& p : drill->participants) {
      f.participants.push_back({p.name, p.role, true, actions_of(p.name)});
    }
  }
  // Others seen acting; when the drill was not parsed (kFactsOnly), nobody can be told apart as
  // listed or not, so nobody is named.
  for (const auto& actor : actors) {
    const std::string& who = actor.first;
    bool listed = std::any_of(f.participants.begin(), f.participants.end(),
                              [&](const ParticipantFact& p) { return p.name == who; });
    if (!listed && !facts_only) {
      f.participants.push_back({who, "not listed in the drill", false, actor.second});
    }
  }

  // The outcome, most serious first.
  bool restore_incomplete = !f.restore_incomplete.empty();
  if (restore_incomplete) {
    f.outcome = RunOutcome::kRestoreIncomplete;
  } else if (refused && !f.t0) {
    f.outcome = RunOutcome::kRefused;
  } else if (interrupted) {
    f.outcome = RunOutcome::kInterrupted;
  } else if (!f.t0 && (ended || not_injected_abort)) {
    f.outcome = RunOutcome::kNotInjected;
  } else if (f.team_recovered) {
    f.outcome = RunOutcome::kRecoveredByTeam;
  } else if (absorbed) {
    f.outcome = RunOutcome::kAbsorbed;
  } else if (f.aborted && ended) {
    f.outcome = RunOutcome::kAborted;
  } else if (ended && !f.effect_observed) {
    f.outcome = RunOutcome::kInconclusive;
  } else if (ended) {
    f.outcome = RunOutcome::kAutoRestored;
  } else {
    f.outcome = RunOutcome::kInProgress;
  }
  f.auto_restored = f.outcome == RunOutcome::kAutoRestored;

  bool no_probes = facts != nullptr && !facts->has_probes;
  switch (f.outcome) {
    case RunOutcome::kRestoreIncomplete: {
      std::vector<std::string> ids;
      for (const UnrestoredFault& r : f.restore_incomplete) ids.push_back(r.fault);
      f.outcome_text = fmt::format(
          "Restore incomplete: {} could not be restored by firedrill and needed manual action.",
          fmt::join(ids, ", "));
      break;
    }
    case RunOutcome::kRefused:
      f.outcome_text =
          fmt::format("Refused before injecting anything: {}.", fmt::join(f.refusal_reasons, "; "));
      break;
    case RunOutcome::kNotInjected:
      f.outcome_text = fmt::format("Ended before any fault was in place ({}).",
                                   f.abort_reason.empty() ? "no reason recorded" : f.abort_reason);
      break;
    case RunOutcome::kRecoveredByTeam:
      f.outcome_text = fmt::format("The team recovered the service{}.",
                                   no_probes ? " (by the team's mark; the drill has no probes)"
                                             : " (confirmed by the probes)");
      if (f.aborted)
        f.outcome_text += fmt::format(" The run was then aborted: {}.", f.abort_reason);
      break;
    case RunOutcome::kAutoRestored:
      f.outcome_text =
          "Auto-restored at window end: the team did not recover within the window, so there is "
          "no TTR.";
      break;
    case RunOutcome::kAborted:
      f.outcome_text = fmt::format(
          "Aborted before the team recovered ({}); every fault was restored, so there is no TTR.",
          f.abort_reason);
      break;
    case RunOutcome::kAbsorbed:
      f.outcome_text = fmt::format(
          "The system absorbed the fault: every probe that went red was green again {} while the "
          "fault was still in place, and nobody had acted. This is not the team's recovery, so "
          "there is no team TTR.",
          f.ttr_probe ? SinceT0(*f.ttr_probe) : std::string("later"));
      break;
    case RunOutcome::kInconclusive:
      f.outcome_text =
          "Inconclusive: the fault had no observable effect. No probe turned red and no alert "
          "fired, so detection was not tested; check that the probes can see this fault. "
          "firedrill restored it at window end.";
      break;
    case RunOutcome::kInterrupted: {
      int restored = 0;
      int verified = 0;
      for (const FaultFact& ff : f.faults) {
        restored += ff.restored ? 1 : 0;
        verified += ff.restored && ff.verified ? 1 : 0;
      }
      f.outcome_text = fmt::format(
          "Interrupted: the process running the drill died. Closed by `{}`, which restored {} "
          "fault(s), {} verified by their checks.",
          f.closed_by.empty() ? "recover" : f.closed_by, restored, verified);
      break;
    }
    case RunOutcome::kInProgress:
      f.outcome_text =
          "No ending recorded: the run is still going, or its process ended without closing it "
          "(see firedrill recover).";
      break;
  }
  return f;
}

std::string SinceT0(Duration d) {
  if (d == Duration(0)) return "T0";
  if (d < Duration(0)) return "T0-" + FormatDuration(-d);
  return "T0+" + FormatDuration(d);
}

}  // namespace firedrill
