// The runs of one drill's records: its events grouped by the run they belong to, for
// `records show` (a drill run twice is shown as two runs, each with its file; each run's outcome
// is DeriveRunFacts's, report/run_facts.h, derived from its events).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "orchestrator/store/event_log.h"

namespace firedrill {

/// One run of a drill, as its events tell it.
struct RecordedRun {
  std::string run_id;
  std::string file;           ///< the drill file it ran (its `run-started`); "" when not recorded
  std::vector<Event> events;  ///< in order
};

/// A drill's events split into its runs (in the order each began) and the events that belong
/// to no run (scheduling, announcements, briefings, cancellations).
struct RecordedRuns {
  std::vector<RecordedRun> runs;
  std::vector<Event> outside;  ///< in order
};

/// Groups `events` (one drill's, in order) by the run their payload names (`"run"`). Pure.
RecordedRuns GroupByRun(std::span<const Event> events);

}  // namespace firedrill
