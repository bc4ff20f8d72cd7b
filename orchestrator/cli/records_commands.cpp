#include "orchestrator/cli/records_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>
#include <ostream>

#include "drills/zoned_time.h"
#include "orchestrator/cli/record_runs.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_junit.h"
#include "orchestrator/report/latest_runs.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// --- outcomes -----------------------------------------------------------------------------------

// Every outcome a run can have (OutcomeName), in the order the help lists them.
constexpr std::array<RunOutcome, 10> kOutcomes = {
    RunOutcome::kRecoveredByTeam,   RunOutcome::kAbsorbed,     RunOutcome::kAutoRestored,
    RunOutcome::kAborted,           RunOutcome::kInconclusive, RunOutcome::kInterrupted,
    RunOutcome::kRestoreIncomplete, RunOutcome::kRefused,      RunOutcome::kNotInjected,
    RunOutcome::kInProgress};

// The outcome --outcome names; "recovered" is what earlier versions called recovered-by-team.
std::optional<RunOutcome> OutcomeNamed(std::string_view name) {
  if (name == "recovered") return RunOutcome::kRecoveredByTeam;
  for (RunOutcome o : kOutcomes) {
    if (OutcomeName(o) == name) return o;
  }
  return std::nullopt;
}

int RunList(const Invocation& inv) {
  std::optional<RunOutcome> outcome;
  if (std::optional<std::string> named = inv.args.Value("outcome")) {
    outcome = OutcomeNamed(*named);
    if (!outcome) {
      std::vector<std::string> names;
      for (RunOutcome o : kOutcomes) names.push_back(OutcomeName(o));
      fmt::print(inv.err, "firedrill: --outcome \"{}\" is not one of: {}\n", *named,
                 fmt::join(names, ", "));
      return kExitUsage;
    }
  }
  auto period = ReadPeriod(inv);
  if (!period) return kExitUsage;
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, true);
  if (!db) {
    if (exit == kExitOk && inv.args.Has("json")) inv.out << "[]\n";
    return exit;
  }
  auto drills = DrillTable(*db).ListDrills();
  auto events = EventLog(*db).SummaryByDrill();
  auto outcomes = LatestRuns(*db);
  if (!drills.ok() || !events.ok() || !outcomes.ok()) {
    fmt::print(inv.err, "firedrill: {}\n",
               (!drills.ok()   ? drills.error()
                : !events.ok() ? events.error()
                               : outcomes.error())
                   .ToString());
    return kExitStateError;
  }
  std::optional<std::string> service = inv.args.Value("service");
  json::array rows;
  if (!inv.args.Has("json")) {
    fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7} {}\n", "ID", "SERVICE", "WINDOW START",
               "EVENTS", "OUTCOME");
  }
  for (const DrillRecord& d : *drills) {
    if (service && d.service != *service) continue;
    if (!period->Contains(d.window_start)) continue;
    auto found = outcomes->find(d.id);
    std::optional<RunOutcome> latest;
    if (found != outcomes->end()) latest = found->second.outcome;
    if (outcome && latest != outcome) continue;
    std::optional<std::string> drill_outcome;
    if (latest) drill_outcome = OutcomeName(*latest);
    DrillEventSummary s = events->count(d.id) ? events->at(d.id) : DrillEventSummary{};
    if (inv.args.Has("json")) {
      json::object o;
      o["id"] = d.id;
      o["title"] = d.title;
      o["service"] = d.service;
      o["owner"] = d.owner;
      o["zone"] = d.zone;
      o["window_start"] = FormatUtc(d.window_start);
      o["window_end"] = FormatUtc(d.window_end);
      o["events"] = s.count;
      if (s.count > 0) o["last_event"] = FormatUtc(s.last);
      o["outcome"] = drill_outcome ? json::value(*drill_outcome) : json::value(nullptr);
      rows.push_back(std::move(o));
    } else {
      fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7} {}\n", d.id, d.service,
                 FormatInZone(d.window_start, d.zone), s.count, drill_outcome.value_or("-"));
    }
  }
  if (inv.args.Has("json")) inv.out << json::serialize(rows) << "\n";
  return kExitOk;
}

int RunShow(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;
  auto drill = DrillTable(*db).GetDrill(id);
  auto events = EventLog(*db).ForDrill(id);
  if (!drill.ok() || !events.ok()) {
    fmt::print(inv.err, "firedrill: {}\n",
               (!drill.ok() ? drill.error() : events.error()).ToString());
    return kExitStateError;
  }
  if (!*drill && events->empty()) {
    fmt::print(inv.err,
               "firedrill records show: no drill \"{}\" in the records (see firedrill "
               "records list)\n",
               id);
    return kExitNotFound;
  }
  std::string zone = *drill ? (*drill)->zone : "UTC";
  RecordedRuns grouped = GroupByRun(*events);
  const std::optional<std::string> only = inv.args.Value("run");
  if (only) {
    auto it = std::find_if(grouped.runs.begin(), grouped.runs.end(),
                           [&](const RecordedRun& r) { return r.run_id == *only; });
    if (it == grouped.runs.end()) {
      std::vector<std::string> ids;
      for (const RecordedRun& r : grouped.runs) ids.push_back(r.run_id);
      fmt::print(inv.err, "firedrill records show: drill {} has no run \"{}\"; its runs: {}\n", id,
                 *only,
                 ids.empty() ? std::string("none") : fmt::format("{}", fmt::join(ids, ", ")));
      return kExitNotFound;
    }
    RecordedRun picked = std::move(*it);
    grouped.runs = {std::move(picked)};
    grouped.outside.clear();
  }
  const std::string format =
      inv.args.Value("format").value_or(inv.args.Has("json") ? "json" : "text");
  if (format != "text" && format != "json" && format != "junit") {
    fmt::print(inv.err,
               "firedrill records show: unknown --format \"{}\"; one of: text, json, junit\n",
               format);
    return kExitUsage;
  }
  if (inv.args.Has("json") && format != "json") {
    fmt::print(inv.err, "firedrill records show: --json and --format {} say different things\n",
               format);
    return kExitUsage;
  }
  if (format == "junit") {
    // Each run a test suite, each objective a test case, judged as the audit judges them.
    std::vector<AuditRow> rows;
    for (const RecordedRun& r : grouped.runs) {
      rows.push_back(AuditRun(DeriveRunFacts(r.events), false));
    }
    inv.out << AuditJunit(rows);
    return kExitOk;
  }
  // Each run's outcome as every report and `records list` derive it (from the run's events and
  // the drill facts its run-started recorded, the drill text parsed only when it recorded none).
  DrillSourceCache drill_texts;
  std::vector<RunOutcome> outcomes;
  for (const RecordedRun& r : grouped.runs) {
    outcomes.push_back(
        DeriveRunFacts(r.events, &drill_texts, TimelineDetail::kNone, DrillDetail::kFactsOnly)
            .outcome);
  }
  if (format == "json") {
    json::object o;
    o["id"] = id;
    if (*drill) {
      o["title"] = (*drill)->title;
      o["service"] = (*drill)->service;
      o["zone"] = zone;
      o["source_file"] = (*drill)->source_file;
      o["source_sha256"] = (*drill)->source_sha256;
    }
    auto event_json = [](const Event& e) {
      json::object eo;
      eo["seq"] = e.seq;
      eo["ts"] = FormatUtc(e.ts);
      eo["kind"] = e.kind;
      eo["actor"] = e.actor;
      boost::system::error_code ec;
      json::value payload = json::parse(e.payload_json, ec);
      eo["payload"] = ec ? json::value(e.payload_json) : payload;
      eo["hash"] = Hex(e.hash);
      return eo;
    };
    json::array runs;
    for (std::size_t i = 0; i < grouped.runs.size(); ++i) {
      const RecordedRun& r = grouped.runs[i];
      json::array seqs;
      for (const Event& e : r.events) seqs.push_back(e.seq);
      runs.push_back(json::object{{"run", r.run_id},
                                  {"file", r.file},
                                  {"outcome", OutcomeName(outcomes[i])},
                                  {"events", std::move(seqs)}});
    }
    o["runs"] = std::move(runs);
    // Every event shown, in order (with --run, that run's only).
    std::vector<Event> shown = grouped.outside;
    for (const RecordedRun& r : grouped.runs) {
      shown.insert(shown.end(), r.events.begin(), r.events.end());
    }
    std::sort(shown.begin(), shown.end(),
              [](const Event& a, const Event& b) { return a.seq < b.seq; });
    json::array evs;
    for (const Event& e : shown) evs.push_back(event_json(e));
    o["events"] = std::move(evs);
    inv.out << json::serialize(o) << "\n";
    return kExitOk;
  }
  if (*drill) {
    fmt::print(inv.out, "Drill {}: {} (service {}, owner {})\n", id, (*drill)->title,
               (*drill)->service, (*drill)->owner);
    fmt::print(inv.out, "Drill file {} (sha256 {}; the latest one run)\n", (*drill)->source_file,
               (*drill)->source_sha256);
  } else {
    fmt::print(inv.out, "Drill {}\n", id);
  }
  std::size_t shown = grouped.outside.size();
  for (const RecordedRun& r : grouped.runs) shown += r.events.size();
  fmt::print(inv.out, "{} run{}, {} event{} (times UTC, and {})\n", grouped.runs.size(),
             grouped.runs.size() == 1 ? "" : "s", shown, shown == 1 ? "" : "s", zone);
  auto print_event = [&](const Event& e) {
    fmt::print(inv.out, "  #{:<6} {}  {:<34} {:<22} {:<24} {}\n", e.seq, FormatUtc(e.ts),
               FormatInZone(e.ts, zone), e.kind, e.actor, e.payload_json);
  };
  if (!grouped.outside.empty()) {
    fmt::print(inv.out, "\nNot part of a run (scheduling, announcements, briefings):\n");
    for (const Event& e : grouped.outside) print_event(e);
  }
  for (std::size_t i = 0; i < grouped.runs.size(); ++i) {
    const RecordedRun& r = grouped.runs[i];
    fmt::print(inv.out, "\nRun {}{}: file {}, {}\n", r.run_id,
               only ? "" : fmt::format(" ({} of {})", i + 1, grouped.runs.size()),
               r.file.empty() ? "-" : r.file,
               outcomes[i] == RunOutcome::kInProgress
                   ? "outcome in-progress (not ended: running, or its process died: firedrill "
                     "recover)"
                   : "outcome " + OutcomeName(outcomes[i]));
    fmt::print(inv.out, "  postmortem: firedrill postmortem {} --run {}\n", id, r.run_id);
    for (const Event& e : r.events) print_event(e);
  }
  return kExitOk;
}

}  // namespace

Command RecordsListCommand() {
  return Command{
      "records list",
      "firedrill records list [--service NAME] [--from DATE] [--to DATE] [--outcome OUTCOME] "
      "[--json] [--state DIR]",
      "every drill in the records, with its event count and outcome",
      "Lists the drills the state directory holds records for: id, service, window start (in\n"
      "the drill's zone), the number of events recorded and the outcome of its latest run.\n"
      "Read-only.\n"
      "\n"
      "The outcome is the latest run's, derived from its events as the postmortem and the\n"
      "audit derive it: recovered-by-team, absorbed (healthy again with the fault in place,\n"
      "nobody acted), auto-restored (firedrill restored at the end of the window), aborted,\n"
      "inconclusive (the fault had no observable effect), interrupted (its process died),\n"
      "restore-incomplete (a fault may have been left in place), refused (preflight refused\n"
      "to inject), not-injected, in-progress (running now, or no ending recorded); \"-\" if the\n"
      "drill never ran.\n"
      "\n"
      "Options:\n"
      "  --service NAME     only drills of this service\n"
      "  --from DATE        only drills whose window starts at or after DATE\n"
      "  --to DATE          only drills whose window starts on or before DATE (a date includes\n"
      "                     the whole day). DATE: 2026-03-31 (UTC) or an ISO-8601 time such as\n"
      "                     2026-03-31T14:00:00Z or 2026-03-31T16:00+02:00\n"
      "  --outcome OUTCOME  only drills whose latest run has this outcome (one of the above;\n"
      "                     \"recovered\" is recovered-by-team)\n"
      "  --json             a JSON array of {id, title, service, owner, zone, window_start,\n"
      "                     window_end, events, last_event, outcome}\n"
      "  --state DIR        the state directory (default $FIREDRILL_STATE, else\n"
      "                     $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill)\n"
      "\n"
      "Exit status: 0 (also when there are no records yet); 2 for wrong usage; 4 if the\n"
      "records cannot be read.\n",
      ArgSpec{{"json"}, {"service", "from", "to", "outcome"}, 0, 0},
      RunList};
}

Command RecordsShowCommand() {
  return Command{
      "records show",
      "firedrill records show ID [--run RUN] [--format text|json|junit] [--json] [--state DIR]",
      "the full event log of one drill, run by run",
      "Prints the recorded events of drill ID: first those that belong to no run (scheduling,\n"
      "announcements, briefings), then each run under a header naming its run id, the drill\n"
      "file it ran and its outcome (and the postmortem command for it). Each event: sequence\n"
      "number, time (UTC and the drill's zone), kind, actor and payload. Read-only.\n"
      "\n"
      "A run's outcome is derived from its events as records list, the postmortem and the\n"
      "audit derive it (see firedrill records list --help): recovered-by-team, absorbed,\n"
      "auto-restored, aborted, inconclusive, interrupted, restore-incomplete, refused,\n"
      "not-injected, or in-progress (no ending recorded: running, or its process died).\n"
      "\n"
      "Options:\n"
      "  --run RUN    only this run (its id as the header shows it)\n"
      "  --format F   text (default), json, or junit: each run a JUnit test suite and each\n"
      "               objective a test case (detected within, recovered within, every fault\n"
      "               restored and verified), for a CI server to show\n"
      "  --json       same as --format json: {id, title, ..., runs: [{run, file, outcome,\n"
      "               events: [seq...]}], events}; each event also carries its hash; outcome\n"
      "               is one of the words above\n"
      "  --state DIR  the state directory (default $FIREDRILL_STATE, else\n"
      "               $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill)\n"
      "\n"
      "Exit status: 0, 7 if no such drill (or run) is recorded, 4 if the records cannot be\n"
      "read.\n",
      ArgSpec{{"json"}, {"run", "format"}, 1, 1},
      RunShow};
}

}  // namespace firedrill
