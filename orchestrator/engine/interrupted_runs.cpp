#include "orchestrator/engine/interrupted_runs.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "drills/zoned_time.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/run_table.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// True iff the run's records have an ending already.
bool Ended(Database& db, const std::string& drill_id, const std::string& run_id) {
  auto events = LoadRunEvents(db, drill_id, run_id);
  if (!events.ok() || events->empty()) return false;
  return DeriveRunFacts(*events, nullptr, TimelineDetail::kNone).outcome != RunOutcome::kInProgress;
}

}  // namespace

Expected<std::vector<ClosedRun>> CloseInterruptedRuns(Database& db,
                                                      const std::vector<LeftoverRestore>& restored,
                                                      const std::string& actor) {
  // The runs to close, by run id: drill id and what was restored of them.
  std::map<std::string, std::string> drill_of;
  std::map<std::string, std::vector<const LeftoverRestore*>> faults_of;
  for (const LeftoverRestore& r : restored) {
    drill_of[r.entry.run_id] = r.entry.drill_id;
    faults_of[r.entry.run_id].push_back(&r);
  }
  RunTable runs(db);
  auto open = runs.Open();
  if (!open.ok()) return open.error();
  const ProcessStamp self = ProcessStamp::Self();
  std::set<std::string> alive;
  for (const RunRecord& r : *open) {
    const bool mine = r.process.pid == self.pid && r.process.start == self.start;
    if (!mine && r.process.Alive()) {
      alive.insert(r.run_id);  // its own process restores it
      continue;
    }
    drill_of.emplace(r.run_id, r.drill_id);
  }
  std::vector<ClosedRun> closed;
  for (const auto& [run_id, drill_id] : drill_of) {
    if (alive.count(run_id) != 0 || Ended(db, drill_id, run_id)) continue;
    ClosedRun c{run_id, drill_id, 0, 0, 0};
    RunEnded payload{.outcome = "interrupted", .closed_by = actor, .run = run_id};
    for (const LeftoverRestore* r : faults_of[run_id]) {
      if (r->result.restored) {
        ++c.restored;
        c.verified += r->result.verified ? 1 : 0;
        payload.restored.push_back({.fault = r->entry.fault_id,
                                    .target = r->entry.target,
                                    .verified = r->result.verified,
                                    .message = r->result.message});
      } else {
        ++c.not_restored;
        payload.remaining.push_back(
            {.fault = r->entry.fault_id, .error = r->result.message, .undo = r->result.manual});
      }
    }
    const bool incomplete = !payload.remaining.empty();
    auto ev =
        AppendTyped(db, drill_id, incomplete ? EventKind::kRestoreIncomplete : EventKind::kRunEnded,
                    actor, payload);
    if (!ev.ok()) return ev.error();
    std::string outcome = incomplete ? "restore-incomplete" : "interrupted";
    if (Status st = runs.End(run_id, NowUtc(), outcome); !st) return st.error();
    closed.push_back(c);
  }
  return closed;
}

std::string LeftoversText(const std::vector<LeftoverRestore>& restored,
                          const std::vector<ClosedRun>& closed) {
  std::string out;
  for (const LeftoverRestore& r : restored) {
    const LedgerEntry& e = r.entry;
    std::string where = fmt::format("{} ({} on {}; drill {}, run {})", e.fault_id, e.kind, e.target,
                                    e.drill_id, e.run_id);
    if (r.result.restored) {
      out +=
          fmt::format("  restored {}: {}\n", where,
                      r.result.verified ? "verified by its check"
                                        : "not verified: it has no check, its restore succeeded");
    } else {
      // A manual of several lines (a plugin's text, then the exact command) stays indented.
      std::string manual;
      for (char c : r.result.manual)
        manual += c == '\n' ? std::string("\n      ") : std::string(1, c);
      out += fmt::format("  NOT restored {}: {}\n    undo by hand:\n      {}\n", where,
                         r.result.message, manual);
    }
  }
  for (const ClosedRun& c : closed) {
    out += fmt::format(
        "  closed run {} of drill {} as {}: {} fault(s) restored, {} verified{}\n", c.run_id,
        c.drill_id, c.not_restored == 0 ? "interrupted" : "restore-incomplete", c.restored,
        c.verified, c.not_restored == 0 ? "" : fmt::format(", {} still in place", c.not_restored));
  }
  return out;
}

}  // namespace firedrill
