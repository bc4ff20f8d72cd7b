#include "orchestrator/engine/run_close.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>

#include "orchestrator/engine/run_summary.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/postmortem.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr char kRestorePointReached[] = "the restore point of the window was reached";

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

int CloseRun(RunState& run, RunRecorder& rec, const RunOptions& opt,
             const std::vector<RemainingFault>& remaining) {
  run.phase = remaining.empty() ? "closed" : "restore-failed";
  bool team_recovered = run.TeamRecovered();
  RunTimings timings{run.t0_wall,
                     run.ttd_human,
                     run.ttr_probe,
                     run.ttr_human,
                     run.t0 && !team_recovered,
                     run.abort_reason.value_or(kRestorePointReached),
                     run.acks,
                     run.ttd_alert};
  auto ms = [](const std::optional<Duration>& d) {
    return d ? json::value(d->count()) : json::value(nullptr);
  };
  json::object summary{
      {"recovered_by_team", team_recovered}, {"auto_restored", timings.auto_restored},
      {"ttd_human_ms", ms(run.ttd_human)},   {"ttd_alert_ms", ms(run.ttd_alert)},
      {"ttr_probe_ms", ms(run.ttr_probe)},   {"ttr_human_ms", ms(run.ttr_human)}};
  if (!remaining.empty()) {
    json::array left;
    for (const auto& [e, r] : remaining) {
      left.push_back(json::object{{"fault", e.fault_id}, {"error", r.message}, {"undo", r.manual}});
    }
    summary["remaining"] = left;
    rec.Record("restore-incomplete", summary, "RESTORE INCOMPLETE: manual action needed");
    for (const auto& [e, r] : remaining) {
      fmt::print(rec.err(), "  still in place: {} ({} on {}): {}\n    undo by hand: {}\n",
                 e.fault_id, e.kind, e.target, r.message, r.manual);
    }
    WritePostmortem(run, opt, rec);
    return kExitRestoreIncomplete;
  }
  std::string outcome = run.abort_reason ? "aborted; every fault restored and verified"
                        : team_recovered
                            ? "closed; the team recovered, faults restored and verified"
                            : "closed; auto-restored (not recovered within the window)";
  summary["outcome"] = outcome;
  rec.Record("run-ended", summary, outcome);
  if (!opt.json) fmt::print(rec.out(), "\n{}", SummaryText(run.drill, timings));
  WritePostmortem(run, opt, rec);
  return run.abort_reason ? kExitAborted : kExitOk;
}

}  // namespace firedrill
