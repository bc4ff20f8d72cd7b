#include "orchestrator/engine/run_close.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/report/run_summary.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The postmortem draft, pre-filled from the run's records; a run ends without one (and says
// so) rather than failing over it.
void WritePostmortem(const RunState& run, const RunOptions& opt, RunRecorder& rec) {
  Status st = WritePostmortemFile(opt.state_dir, rec.db(), run.run_id);
  if (!st) {
    rec.Warn(
        fmt::format("firedrill: the postmortem draft was not written: {}\n", st.error().message));
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
RunFacts FactsWithEnding(RunRecorder& rec, const RunState& run, EventKind ending,
                         const RunEnded& payload) {
  std::vector<Event> events;
  if (auto loaded = LoadRunEvents(rec.db(), run.drill.id, run.run_id); loaded.ok()) {
    events = std::move(*loaded);
  }
  RunEnded p = payload;
  p.run = run.run_id;
  NewEvent made = MakeEvent(run.drill.id, ending, kOrchestratorActor, p);
  Event end;
  end.ts = run.clock.UtcNow();
  end.drill_id = std::move(made.drill_id);
  end.kind = std::move(made.kind);
  end.actor = std::move(made.actor);
  end.payload_json = std::move(made.payload_json);
  events.push_back(std::move(end));
  return DeriveRunFacts(events);
}

std::optional<std::int64_t> Ms(const std::optional<Duration>& d) {
  return d ? std::optional<std::int64_t>(d->count()) : std::nullopt;
}

}  // namespace

boost::asio::awaitable<int> CloseRun(RunState& run, RunRecorder& rec, const RunOptions& opt,
                                     std::vector<UnrestoredEntry> remaining,
                                     std::vector<ArmedSwitch> armed) {
  run.phase = remaining.empty() ? "closed" : "restore-failed";
  co_await rec.Flush();  // the run's facts are read back from its records
  RunEnded summary;
  for (const auto& [e, r] : remaining) {
    summary.remaining.push_back({.fault = e.fault_id, .error = r.message, .undo = r.manual});
  }
  const EventKind ending = remaining.empty() ? EventKind::kRunEnded : EventKind::kRestoreIncomplete;
  RunFacts facts = FactsWithEnding(rec, run, ending, summary);
  summary.outcome = OutcomeName(facts.outcome);
  summary.outcome_text = facts.outcome_text;
  summary.recovered_by_team = facts.team_recovered;
  summary.auto_restored = facts.auto_restored;
  summary.t0 = facts.t0;
  summary.ttd_human_ms = Ms(facts.ttd_human);
  summary.ttd_alert_ms = Ms(facts.ttd_alert);
  summary.ttr_ms = Ms(CountedTtr(facts));
  summary.ttr_team_ms = Ms(facts.ttr_team);
  if (!remaining.empty()) {
    rec.Record(ending, summary, "RESTORE INCOMPLETE: manual action needed");
    for (const auto& [e, r] : remaining) {
      rec.Warn(fmt::format("  still in place: {} ({} on {}): {}\n    undo by hand: {}\n",
                           e.fault_id, e.kind, e.target, r.message, r.manual));
    }
    for (const ArmedSwitch& a : armed) {
      rec.Warn(fmt::format(
          "  dead man's switch: still armed on {}; it undoes {} by itself at {} if that "
          "host can run it (see /tmp/firedrill-deadman-*.log there)\n",
          a.target, a.fault, FormatInZone(a.fires_at, run.drill.window.zone)));
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
