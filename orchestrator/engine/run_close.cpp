#include "orchestrator/engine/run_close.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/report/run_summary.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The postmortem draft, pre-filled from the run's records; a run ends without one (and says
// so) rather than failing over it.
void WritePostmortem(const RunState& run, const RunOptions& opt, RunRecorder& rec) {
  Status st = WritePostmortemFile(opt.state_dir, rec.db(), run.run_id);
  if (!st) {
    fmt::print(rec.err(), "firedrill: the postmortem draft was not written: {}\n",
               st.error().message);
    return;
  }
  if (!opt.json) {
    fmt::print(rec.out(), "Postmortem draft: {}\n",
               PostmortemPath(opt.state_dir, run.run_id).string());
  }
}

}  // namespace

namespace {

// The facts of this run as its records show them, with `ending` as the last event: the same
// derivation the postmortem, the audit and `records` make, so that everything agrees.
RunFacts FactsWithEnding(RunRecorder& rec, const RunState& run, const std::string& ending,
                         const json::object& payload) {
  std::vector<Event> events;
  if (auto loaded = LoadRunEvents(rec.db(), run.drill.id, run.run_id); loaded.ok()) {
    events = std::move(*loaded);
  }
  Event end;
  end.ts = run.clock.UtcNow();
  end.drill_id = run.drill.id;
  end.kind = ending;
  end.actor = kOrchestratorActor;
  json::object p = payload;
  p["run"] = run.run_id;
  end.payload_json = json::serialize(p);
  events.push_back(std::move(end));
  return DeriveRunFacts(events);
}

json::value Ms(const std::optional<Duration>& d) {
  return d ? json::value(d->count()) : json::value(nullptr);
}

}  // namespace

boost::asio::awaitable<int> CloseRun(RunState& run, RunRecorder& rec, const RunOptions& opt,
                                     std::vector<RemainingFault> remaining,
                                     std::vector<ArmedSwitch> armed) {
  run.phase = remaining.empty() ? "closed" : "restore-failed";
  co_await rec.Flush();  // the run's facts are read back from its records
  json::object summary;
  if (!remaining.empty()) {
    json::array left;
    for (const auto& [e, r] : remaining) {
      left.push_back(json::object{{"fault", e.fault_id}, {"error", r.message}, {"undo", r.manual}});
    }
    summary["remaining"] = left;
  }
  const char* ending = remaining.empty() ? "run-ended" : "restore-incomplete";
  RunFacts facts = FactsWithEnding(rec, run, ending, summary);
  summary["outcome"] = OutcomeName(facts.outcome);
  summary["outcome_text"] = facts.outcome_text;
  summary["recovered_by_team"] = facts.team_recovered;
  summary["auto_restored"] = facts.auto_restored;
  summary["t0"] = facts.t0 ? json::value(FormatUtc(*facts.t0)) : json::value(nullptr);
  summary["ttd_human_ms"] = Ms(facts.ttd_human);
  summary["ttd_alert_ms"] = Ms(facts.ttd_alert);
  summary["ttr_ms"] = Ms(CountedTtr(facts));
  summary["ttr_team_ms"] = Ms(facts.ttr_team);
  if (!remaining.empty()) {
    rec.Record(ending, summary, "RESTORE INCOMPLETE: manual action needed");
    for (const auto& [e, r] : remaining) {
      fmt::print(rec.err(), "  still in place: {} ({} on {}): {}\n    undo by hand: {}\n",
                 e.fault_id, e.kind, e.target, r.message, r.manual);
    }
    for (const ArmedSwitch& a : armed) {
      fmt::print(rec.err(),
                 "  dead man's switch: still armed on {}; it undoes {} by itself at {} if that "
                 "host can run it (see /tmp/firedrill-deadman-*.log there)\n",
                 a.target, a.fault, FormatInZone(a.fires_at, run.drill.window.zone));
    }
  } else {
    rec.Record(ending, summary, fmt::format("run ended: {}", OutcomeName(facts.outcome)));
  }
  if (!opt.json) fmt::print(rec.out(), "\n{}", RunSummaryText(facts));
  co_await rec.Flush();  // the postmortem is made from the records, the ending included
  WritePostmortem(run, opt, rec);
  if (!remaining.empty()) co_return kExitRestoreIncomplete;
  co_return run.abort_reason ? kExitAborted : kExitOk;
}

}  // namespace firedrill
