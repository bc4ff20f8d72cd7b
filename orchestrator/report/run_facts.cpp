#include "orchestrator/report/run_facts.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// One event with its payload parsed (an empty object when it is not a JSON object).
struct Parsed {
  const Event* event;
  json::object payload;
};

json::object ParseObject(const std::string& text, json::storage_ptr sp = {}) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, std::move(sp));
  if (ec || !v.is_object()) return json::object(v.storage());
  return std::move(v.as_object());
}

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::int64_t> Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

std::optional<bool> Bool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

std::string WithNote(const std::string& text, const std::string& note) {
  return note.empty() ? text : text + ": " + note;
}

// The payload without "run", compactly, for event kinds this version does not know.
std::string Describe(const json::object& payload) {
  json::object rest = payload;
  rest.erase("run");
  return rest.empty() ? std::string() : json::serialize(rest);
}

// Reads the integer "<key>" of `p` as a duration, else falls back to `ts - t0`.
std::optional<Duration> Offset(const json::object& p, std::string_view key, SysTime ts,
                               const std::optional<SysTime>& t0) {
  if (auto ms = Int(p, key)) return Duration(*ms);
  if (t0) return std::chrono::duration_cast<Duration>(ts - *t0);
  return std::nullopt;
}

FaultFact& FaultOf(std::vector<FaultFact>& faults, const json::object& p) {
  std::string id = Str(p, "fault");
  for (FaultFact& f : faults) {
    if (f.id == id) return f;
  }
  faults.push_back(FaultFact{});
  faults.back().id = id;
  return faults.back();
}

// The timeline text of one event: what happened, in plain words, never whose fault it was.
std::string TimelineText(const Event& e, const json::object& p, const DrillFacts* facts,
                         bool is_t0) {
  const std::string& k = e.kind;
  if (k == "run-started") {
    std::string file = Str(p, "file");
    return fmt::format("run {} started{}", Str(p, "run"),
                       file.empty() ? "" : fmt::format(" (drill file {})", file));
  }
  if (k == "announced") return WithNote("drill announced", Str(p, "channel"));
  if (k == "announce-overridden")
    return WithNote("announcement lead time overridden", Str(p, "reason"));
  if (k == "briefed")
    return WithNote(fmt::format("participants briefed by {}", e.actor), Str(p, "note"));
  if (k == "waiting") {
    auto at = ParseUtc(Str(p, "inject_at"));
    return fmt::format("waiting for the window; first injection due at {}",
                       at ? FormatUtc(*at) : Str(p, "inject_at"));
  }
  if (k == "preflight-passed") {
    return fmt::format("preflight passed: {} probe(s) green, {} fault(s) ready",
                       Int(p, "probes").value_or(0), Int(p, "faults").value_or(0));
  }
  if (k == "preflight-refused") {
    std::vector<std::string> reasons;
    if (const json::value* r = p.if_contains("reasons"); r != nullptr && r->is_array()) {
      for (const json::value& x : r->as_array()) {
        if (x.is_string()) reasons.emplace_back(x.as_string());
      }
    }
    return fmt::format("preflight refused to inject: {}", fmt::join(reasons, "; "));
  }
  if (k == "t0") {
    return fmt::format("T0: the first fault is in place ({} on {})", Str(p, "fault"),
                       Str(p, "target"));
  }
  if (k == "fault-injected") {
    return fmt::format("fault {} injected and in place ({} on {}){}", Str(p, "fault"),
                       Str(p, "kind"), Str(p, "target"), is_t0 ? " - T0" : "");
  }
  if (k == "inject-failed") {
    return fmt::format("injecting fault {} failed: {}", Str(p, "fault"), Str(p, "error"));
  }
  if (k == "active") return "drill active; probes watched until recovery, abort or auto-restore";
  if (k == "alert-detected") {
    std::string fp = Str(p, "fingerprint");
    return fmt::format("alert received from {}{}",
                       Str(p, "source").empty() ? "?" : Str(p, "source"),
                       fp.empty() ? "" : fmt::format(" (fingerprint {})", fp));
  }
  if (k == "ack-detected")
    return WithNote(fmt::format("{} acknowledged detection", Str(p, "by")), Str(p, "note"));
  if (k == "ack-recovered")
    return WithNote(fmt::format("{} marked the service recovered", Str(p, "by")), Str(p, "note"));
  if (k == "probe-red")
    return WithNote(fmt::format("probe {} red", Str(p, "probe")), Str(p, "detail"));
  if (k == "probe-green") return fmt::format("probe {} green again", Str(p, "probe"));
  if (k == "recovered") {
    auto ms = Int(p, "ttr_ms");
    return fmt::format("every probe green again: recovered{}",
                       ms ? fmt::format(" (TTR {})", FormatDuration(Duration(*ms))) : "");
  }
  if (k == "guard-tripped") {
    std::string guard = Str(p, "guard");
    std::string limit;
    if (facts != nullptr) {
      for (const GuardLimit& g : facts->probe_guards) {
        if (g.name == guard) limit = " for more than " + FormatDuration(g.max_red);
      }
    }
    std::string probe = Str(p, "probe");
    if (!Str(p, "reason").empty())
      return fmt::format("guard {} tripped: {}", guard, Str(p, "reason"));
    return fmt::format("guard {} tripped{}", guard,
                       probe.empty() ? "" : fmt::format(": probe {} red{}", probe, limit));
  }
  if (k == "abort-requested")
    return WithNote(fmt::format("{} requested an abort", Str(p, "by")), Str(p, "reason"));
  if (k == "aborted") return WithNote("aborted before any fault was injected", Str(p, "reason"));
  if (k == "restore-started") return WithNote("restore started", Str(p, "reason"));
  if (k == "fault-restored") {
    bool verified = Bool(p, "verified").value_or(false);
    return fmt::format("fault {} restored{}", Str(p, "fault"),
                       verified ? " and verified by its check"
                                : ", not verified: no check command, the restore command's exit "
                                  "status is the only evidence");
  }
  if (k == "restore-failed") {
    return WithNote(fmt::format("restoring fault {} failed", Str(p, "fault")), Str(p, "message"));
  }
  if (k == "restore-incomplete") {
    std::vector<std::string> left;
    if (const json::value* r = p.if_contains("remaining"); r != nullptr && r->is_array()) {
      for (const json::value& x : r->as_array()) {
        if (x.is_object()) left.push_back(Str(x.as_object(), "fault"));
      }
    }
    return fmt::format("RESTORE INCOMPLETE: still in place: {}; manual action needed",
                       fmt::join(left, ", "));
  }
  if (k == "run-ended") return WithNote("run ended", Str(p, "outcome"));
  std::string rest = Describe(p);
  return rest.empty() ? k : k + " " + rest;
}

SysTime TsOf(const Parsed& x) { return x.event->ts; }

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

std::string RunIdOf(const Event& event) {
  const std::string& p = event.payload_json;
  // Fast path for what the engine writes: compact JSON with "run" as the last top-level key,
  // `...,"run":"ID"}`. In valid JSON the bytes "run":" cannot occur inside a string (its quotes
  // would be escaped), and ID ending the object means the key is a top-level one.
  constexpr std::string_view kKey = "\"run\":\"";
  std::size_t at = p.rfind(kKey);
  if (at == std::string::npos) return "";
  std::size_t from = at + kKey.size();
  std::size_t close = p.find('"', from);
  if (close != std::string::npos && close + 2 == p.size() && p[close + 1] == '}' &&
      p.find('\\', from) == std::string::npos && (at == 1 || p[at - 1] == ',')) {
    return p.substr(from, close - from);
  }
  return Str(ParseObject(p), "run");
}

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
  // Every payload is read once, into one arena freed with it; not reference-counted, so the
  // payloads are neither counted nor destroyed one by one. Most runs fit the first buffer.
  unsigned char first_buffer[16384];
  json::monotonic_resource arena_resource(first_buffer, sizeof first_buffer);
  json::storage_ptr arena(&arena_resource);
  std::vector<Parsed> evs;
  evs.reserve(events.size());
  for (const Event& e : events) evs.push_back({&e, ParseObject(e.payload_json, arena)});
  const bool with_timeline = detail == TimelineDetail::kFull;

  // Identity, the drill and T0 first: every later line needs them. T0 is the run's `t0` fact;
  // records from before it was recorded on its own take the earliest `fault-injected`.
  std::optional<SysTime> recorded_t0;
  for (const Parsed& x : evs) {
    if (f.drill_id.empty()) f.drill_id = x.event->drill_id;
    if (f.run_id.empty()) f.run_id = Str(x.payload, "run");
    if (x.event->kind == "run-started" && !f.started) {
      f.started = x.event->ts;
      f.run_id = Str(x.payload, "run");
      f.drill_file = Str(x.payload, "file");
      f.source = Str(x.payload, "source");
      f.window_start = ParseUtc(Str(x.payload, "window_start"));
      f.window_end = ParseUtc(Str(x.payload, "window_end"));
      if (const json::value* v = x.payload.if_contains("drill_facts")) {
        f.drill_facts = ParseDrillFacts(*v);
      }
    }
    if (x.event->kind == "t0" && !recorded_t0) {
      recorded_t0 = ParseUtc(Str(x.payload, "at")).value_or(x.event->ts);
    }
    if (x.event->kind == "fault-injected" && (!f.t0 || x.event->ts < *f.t0)) f.t0 = x.event->ts;
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

  for (const Parsed& x : evs) {
    const Event& e = *x.event;
    const json::object& p = x.payload;
    const std::string& k = e.kind;
    bool is_t0 = !recorded_t0 && k == "fault-injected" && f.t0 && e.ts == *f.t0 && !t0_marked;
    if (is_t0) t0_marked = true;
    if (with_timeline) f.timeline.push_back({e.ts, k, e.actor, TimelineText(e, p, facts, is_t0)});

    if (k == "announced" && !f.announced_at) {
      // Copied into a run by the engine with the time of the announcement itself as "at".
      f.announced_at = ParseUtc(Str(p, "at")).value_or(e.ts);
    } else if (k == "announce-overridden") {
      f.announce_override = Str(p, "reason").empty() ? "no reason recorded" : Str(p, "reason");
    } else if (k == "briefed" && !f.briefed_at) {
      f.briefed_at = ParseUtc(Str(p, "at")).value_or(e.ts);
      f.briefed_by = e.actor;
      saw_actor(e.actor, "recorded the briefing");
    } else if (k == "preflight-refused") {
      refused = true;
      if (const json::value* r = p.if_contains("reasons"); r != nullptr && r->is_array()) {
        for (const json::value& v : r->as_array()) {
          if (v.is_string()) f.refusal_reasons.emplace_back(v.as_string());
        }
      }
    } else if (k == "fault-injected") {
      FaultFact& ff = FaultOf(f.faults, p);
      ff.kind = Str(p, "kind");
      ff.target = Str(p, "target");
      if (!ff.injected_at) ff.injected_at = e.ts;
    } else if (k == "inject-failed") {
      FaultOf(f.faults, p);
    } else if (k == "alert-detected") {
      saw_alert = true;
      if (f.t0 && e.ts >= *f.t0 && !f.first_alert) {
        Duration since = Offset(p, "since_t0_ms", e.ts, f.t0).value_or(Duration(0));
        f.first_alert = AlertFact{e.ts, Str(p, "source"), Str(p, "fingerprint"), since};
        f.ttd_alert = since;
      }
    } else if (k == "ack-detected" || k == "ack-recovered") {
      std::string by = Str(p, "by").empty() ? e.actor : Str(p, "by");
      saw_actor(by, k == "ack-detected" ? "acknowledged detection" : "marked recovered");
      AckFact a{e.ts, by, Str(p, "note"),
                Offset(p, "since_t0_ms", e.ts, f.t0).value_or(Duration(0))};
      if (!f.first_team_action || e.ts < *f.first_team_action) f.first_team_action = e.ts;
      if (k == "ack-detected") {
        if (f.detected_acks.empty()) f.ttd_human = a.since_t0;
        f.detected_acks.push_back(std::move(a));
      } else {
        if (f.recovered_acks.empty()) f.ttr_team = a.since_t0;
        f.recovered_acks.push_back(std::move(a));
      }
    } else if (k == "probe-red") {
      saw_probe_red = true;
    } else if (k == "recovered") {
      if (!f.ttr_probe) f.ttr_probe = Offset(p, "ttr_ms", e.ts, f.t0);
      if (!f.recovered_at) f.recovered_at = e.ts;
    } else if (k == "guard-tripped") {
      f.guard_trips.push_back({e.ts, Str(p, "guard"), Str(p, "probe")});
      f.aborted = true;
      if (f.abort_reason.empty()) f.abort_reason = fmt::format("guard {} tripped", Str(p, "guard"));
    } else if (k == "abort-requested") {
      saw_actor(Str(p, "by").empty() ? e.actor : Str(p, "by"), "requested an abort");
      f.aborted = true;
      if (f.abort_reason.empty()) {
        f.abort_reason = fmt::format("aborted by {}: {}", Str(p, "by"), Str(p, "reason"));
      }
    } else if (k == "aborted") {
      f.aborted = true;
      not_injected_abort = true;
      ended = true;
      if (f.abort_reason.empty()) f.abort_reason = Str(p, "reason");
    } else if (k == "restore-started") {
      if (!restore_started) restore_started = e.ts;
      std::string reason = Str(p, "reason");
      if (!reason.empty() && reason != kWindowEndReason) {
        f.aborted = true;
        f.abort_reason = reason;  // the engine's own words win over what we guessed
      }
    } else if (k == "fault-restored") {
      FaultFact& ff = FaultOf(f.faults, p);
      if (ff.kind.empty()) ff.kind = Str(p, "kind");
      if (ff.target.empty()) ff.target = Str(p, "target");
      ff.restored = true;
      ff.verified = Bool(p, "verified").value_or(false);
      ff.restored_at = e.ts;
      ff.restored_by = e.actor;
      ff.restore_message = Str(p, "message");
      if (!ff.injected_at && Str(p, "ledger_status") == "injecting") ff.unknown_at_crash = true;
      last_restored = last_restored ? std::max(*last_restored, e.ts) : e.ts;
    } else if (k == "restore-failed") {
      FaultFact& ff = FaultOf(f.faults, p);
      if (ff.kind.empty()) ff.kind = Str(p, "kind");
      if (ff.target.empty()) ff.target = Str(p, "target");
      ff.restore_errors.push_back(Str(p, "message"));
    } else if (k == "restore-incomplete" || k == "run-ended") {
      ended = true;
      if (Str(p, "outcome") == "interrupted") {
        interrupted = true;
        f.closed_by = e.actor;
      }
      if (auto b = Bool(p, "recovered_by_team")) recorded_team_recovered = b;
      if (k == "restore-incomplete") {
        f.restore_incomplete.clear();
        if (const json::value* r = p.if_contains("remaining"); r != nullptr && r->is_array()) {
          for (const json::value& v : r->as_array()) {
            if (!v.is_object()) continue;
            const json::object& o = v.as_object();
            f.restore_incomplete.push_back({Str(o, "fault"), Str(o, "error"), Str(o, "undo")});
          }
        }
      }
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
  for (const Parsed& x : evs) {
    const std::string probe = Str(x.payload, "probe");
    if (x.event->kind == "probe-red") {
      open.emplace(probe, TsOf(x));
    } else if (x.event->kind == "probe-green") {
      auto it = open.find(probe);
      if (it != open.end()) {
        f.red_intervals.push_back({probe, it->second, TsOf(x), true});
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

Expected<std::vector<Event>> LoadRunEvents(Database& db, const std::string& id,
                                           const std::optional<std::string>& run) {
  EventLog log(db);
  auto filter = [](const std::vector<Event>& all, const std::string& run_id) {
    std::vector<Event> out;
    for (const Event& e : all) {
      if (RunIdOf(e) == run_id) out.push_back(e);
    }
    return out;
  };
  auto events = log.ForDrill(id);
  if (!events.ok()) return events.error();
  if (!events->empty()) {
    std::optional<std::string> run_id = run ? run : LatestRunId(*events);
    if (!run_id) return std::vector<Event>{};
    return filter(*events, *run_id);
  }
  if (run) return std::vector<Event>{};
  // A run id: "<drill id>-<number>", as the engine names runs.
  auto dash = id.rfind('-');
  if (dash == std::string::npos || dash == 0) return std::vector<Event>{};
  auto of_drill = log.ForDrill(id.substr(0, dash));
  if (!of_drill.ok()) return of_drill.error();
  return filter(*of_drill, id);
}

std::string SinceT0(Duration d) {
  if (d == Duration(0)) return "T0";
  if (d < Duration(0)) return "T0-" + FormatDuration(-d);
  return "T0+" + FormatDuration(d);
}

std::optional<SysTime> ParseUtc(std::string_view text) {
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    const char* b = text.data() + pos;
    if (!std::all_of(b, b + len, [](char c) { return c >= '0' && c <= '9'; })) return false;
    return std::from_chars(b, b + len, out).ec == std::errc();
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!num(0, 4, y) || text.size() < 10 || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' ||
      !num(8, 2, d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  if (text.size() > 10) {
    if (text.size() < 20 || text[10] != 'T' || !num(11, 2, h) || text[13] != ':' ||
        !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s) || h > 23 || mi > 59 || s > 59) {
      return std::nullopt;
    }
    std::string_view rest = text.substr(19);
    if (rest.size() == 5 && rest[0] == '.' && rest[4] == 'Z') {
      if (!num(20, 3, ms)) return std::nullopt;
    } else if (rest != "Z") {
      return std::nullopt;
    }
  }
  return SysTime(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s) + std::chrono::milliseconds(ms);
}

}  // namespace firedrill
