// The benchmarks' generator of recorded runs: one run's events, and many runs written into a
// state dir in batches.
#include "bench/recorded_runs.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <utility>

#include "drills/zoned_time.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/transaction.h"

namespace firedrill::bench {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string RecordedRunId(const RecordedRun& run) {
  return fmt::format("{}-{}", run.drill_id, run.start.time_since_epoch().count());
}

void AddRecordedRun(const RecordedRun& r, std::vector<NewEvent>& out, DrillRecord& drill,
                    RunRecord& row) {
  const std::string& id = r.drill_id;
  const SysTime start = r.start;
  const std::string run = RecordedRunId(r);
  drill = DrillRecord{id,
                      r.service + " loses its web process",
                      r.service,
                      r.service + "-team@example.com",
                      "drills/" + id + ".toml",
                      "",
                      start,
                      start + 1h,
                      "Europe/Copenhagen",
                      {}};
  auto add = [&](Duration at, const char* kind, json::object payload,
                 const std::string& actor = "orchestrator") {
    payload["run"] = run;
    out.push_back({id, kind, actor, json::serialize(payload), start + at});
  };
  const int variant = r.variant;
  const Duration ttd = r.ttd;
  const Duration ttr = r.ttr;
  json::object started{{"file", "drills/" + id + ".toml"},
                       {"source", r.source},
                       {"window_start", FormatUtc(start)},
                       {"window_end", FormatUtc(start + 1h)}};
  // What the engine adds: the facts of the drill it loaded from that text.
  if (r.drill_facts) started["drill_facts"] = *r.drill_facts;
  add(-1s, "run-started", std::move(started));
  // Copied into the run by the engine: announced 73 hours ahead (the lead is 72h).
  if (r.announced) add(-900ms, "announced", {{"at", FormatUtc(start - 73h)}});
  add(-500ms, "preflight-passed", {{"probes", 1}, {"faults", 2}});
  add(2min, "fault-injected", {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  add(3min, "fault-injected", {{"fault", "slow-cache"}, {"kind", "command"}, {"target", "web"}});
  add(3min + 20ms, "active", {{"restore_at", FormatUtc(start + 1h)}});
  add(2min + 5s, "probe-red", {{"probe", "http"}, {"detail", "connection refused"}});
  add(2min + ttd - 20s, "alert-detected",
      {{"source", "alertmanager"},
       {"fingerprint", "f" + std::to_string(r.index)},
       {"since_t0_ms", (ttd - 20s).count()}});
  const std::string oncall = "oncall-" + r.service + "@example.com";
  add(2min + ttd, "ack-detected",
      {{"by", oncall}, {"note", "paged"}, {"since_t0_ms", ttd.count()}, {"first", true}}, oncall);
  Duration end = 60min;
  std::string reason = kWindowEndReason;
  if (variant <= 6) {
    add(2min + ttr, "probe-green", {{"probe", "http"}, {"detail", "connected"}});
    add(2min + ttr, "recovered", {{"by", "probes"}, {"ttr_ms", ttr.count()}});
    add(2min + ttr + 30s, "ack-recovered",
        {{"by", oncall},
         {"note", "restarted"},
         {"since_t0_ms", (ttr + 30s).count()},
         {"first", true}},
        oncall);
  } else if (variant == 9) {
    end = 2min + r.max_red + 6s;
    reason = "guard down-too-long tripped";
    add(end - 10ms, "guard-tripped",
        {{"guard", "down-too-long"},
         {"probe", "http"},
         {"reason", fmt::format("probe http red for more than {}m", r.max_red.count())}});
  }
  add(end, "restore-started", {{"reason", reason}});
  add(end + 400ms, "fault-restored",
      {{"fault", "slow-cache"},
       {"kind", "command"},
       {"target", "web"},
       {"verified", false},
       {"message", "restored; no check command"}});
  add(end + 900ms, "fault-restored",
      {{"fault", "stop-web"},
       {"kind", "command"},
       {"target", "web"},
       {"verified", true},
       {"message", "restored and verified"}});
  const bool auto_restored =
      variant == 7 || variant == 8 || (variant == 9 && r.aborted_auto_restored);
  add(end + 950ms, "run-ended",
      {{"recovered_by_team", variant <= 6},
       {"auto_restored", auto_restored},
       {"outcome", variant <= 6   ? "closed; the team recovered"
                   : variant == 9 ? "aborted; every fault restored and verified"
                                  : "closed; auto-restored"}});
  row.run_id = run;
  row.drill_id = id;
  row.started = start - 1s;
  row.ended = start + end + 950ms;
  row.outcome = OutcomeName(variant <= 6   ? RunOutcome::kRecoveredByTeam
                            : variant == 9 ? RunOutcome::kAborted
                                           : RunOutcome::kAutoRestored);
}

bool WriteRecordedRuns(const fs::path& dir, int count,
                       const std::function<std::optional<RecordedRun>(int)>& run_of,
                       const RecordedRunsLayout& layout, std::int64_t& events_written) {
  fs::create_directories(dir / "postmortems");
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(stderr, "{}: {}\n", layout.program, db.error().ToString());
    return false;
  }
  EventLog log(*db);
  DrillTable table(*db);
  RunTable run_table(*db);
  std::vector<NewEvent> batch;
  std::vector<DrillRecord> drills;
  std::vector<RunRecord> runs;
  auto flush = [&]() -> bool {
    // The batch's drills (and runs table rows) in one transaction, its events in another
    // (AppendBatch's own): two fsyncs per batch, not one per drill or event.
    auto tx = Transaction::Begin(*db);
    if (!tx) return false;
    for (const DrillRecord& drill : drills) {
      if (!table.UpsertDrill(drill)) return false;
    }
    if (layout.runs_table) {
      for (const RunRecord& run : runs) {
        if (!run_table.Begin(run) || !run_table.End(run.run_id, *run.ended, run.outcome)) {
          return false;
        }
      }
    }
    if (!tx->Commit()) return false;
    drills.clear();
    runs.clear();
    auto st = log.AppendBatch(batch);
    if (!st) {
      fmt::print(stderr, "{}: {}\n", layout.program, st.error().ToString());
      return false;
    }
    events_written += static_cast<std::int64_t>(batch.size());
    batch.clear();
    return true;
  };
  for (int i = 0; i < count; ++i) {
    std::optional<RecordedRun> run = run_of(i);
    if (!run) return false;
    AddRecordedRun(*run, batch, drills.emplace_back(), runs.emplace_back());
    if (i % layout.postmortem_every == 0) {
      std::ofstream(dir / "postmortems" / (runs.back().run_id + ".md")) << "# Postmortem\n";
    }
    if ((batch.size() >= layout.batch_events || i + 1 == count) && !flush()) return false;
  }
  // Services on the drills table that never ran: listed as never drilled.
  for (int s = 0; s < layout.idle_services; ++s) {
    DrillRecord idle{fmt::format("idle-{}", s),
                     "never run",
                     fmt::format("idle-svc{}", s),
                     "o",
                     "",
                     "",
                     layout.idle_window_start,
                     layout.idle_window_end,
                     "UTC",
                     {}};
    if (!table.UpsertDrill(idle)) return false;
  }
  return true;
}

}  // namespace firedrill::bench
