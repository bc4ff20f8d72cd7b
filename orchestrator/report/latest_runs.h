// The latest run of every drill in the records, and how it ended: what `records list` shows. The
// outcome is DeriveRunFacts's (run_facts.h), the one every report uses.
#pragma once

#include <map>
#include <string>

#include "drills/expected.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// A drill's latest run.
struct LatestRun {
  std::string run_id;
  RunOutcome outcome = RunOutcome::kInProgress;
};

/// Reads every event once and returns, by drill id, the drill's latest run (as LatestRunId picks
/// it: the run of its last `run-started`, else of its last event that names a run) with that
/// run's outcome. Drills whose events name no run are left out. Read-only; the drill texts of runs
/// recorded without drill facts are parsed (once per distinct text).
Expected<std::map<std::string, LatestRun>> LatestRuns(Database& db);

}  // namespace firedrill
