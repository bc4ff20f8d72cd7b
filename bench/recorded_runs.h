// The benchmarks' generator of recorded runs: the events one drill run leaves (as the engine
// writes them) and the writing of many such runs, their drills, runs table rows and postmortems
// into a state dir. Each benchmark chooses what varies (services, days, drill text, times).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/run_table.h"

namespace firedrill::bench {

/// One drill and how its run went: the drill's record and its run's events derive from it.
struct RecordedRun {
  int index = 0;        ///< the run's number: its alert's fingerprint is "fINDEX"
  std::string service;  ///< the drill is "SERVICE loses its web process", owned by SERVICE-team
  std::string drill_id;
  SysTime start{};     ///< the window opens (and lasts an hour); run-started is 1 s before
  std::string source;  ///< the drill file's text, recorded in run-started
  /// The drill facts recorded in run-started; unset: recorded as versions before drill facts.
  std::optional<boost::json::object> drill_facts;
  bool announced = false;  ///< an "announced" event copied into the run, 73 h ahead
  int variant = 0;         ///< 0..6 recovered by the team, 7..8 auto-restored, 9 aborted by a guard
  Duration ttd{};          ///< from the injection to the on-call's acknowledgement
  Duration ttr{};          ///< from the injection to recovery (variants 0..6)
  /// The guard's limit of red probe time: a run of variant 9 is aborted 6 s after it passed.
  std::chrono::minutes max_red{20};
  /// Whether run-ended of an aborted run (variant 9) says auto_restored (as audit_bench has
  /// always recorded it); else only variants 7..8 do.
  bool aborted_auto_restored = false;
};

/// The run id of `run`: DRILL-ID-START (START in the clock's ticks).
std::string RecordedRunId(const RecordedRun& run);

/// Appends the events `run` leaves to `out` (run-started, announced, preflight, two injections,
/// probe red, alert, acks, recovery or guard, restores, run-ended); sets `drill` to its drill's
/// record and `row` to its runs table row.
void AddRecordedRun(const RecordedRun& run, std::vector<NewEvent>& out, DrillRecord& drill,
                    RunRecord& row);

/// How WriteRecordedRuns writes.
struct RecordedRunsLayout {
  std::size_t batch_events = 10'000;  ///< events per batch (two transactions each)
  bool runs_table = false;            ///< also write each run's row of the runs table
  int postmortem_every = 2;           ///< a postmortem file for every Nth run (from the first)
  int idle_services = 0;              ///< drills of services "idle-svcN" that never ran
  SysTime idle_window_start{};        ///< the windows of those drills
  SysTime idle_window_end{};
  std::string program = "bench";  ///< prefixes the errors printed to stderr
};

/// Writes `count` runs, `run_of(i)` for i = 0, 1, ..., into the state dir `dir` (created when
/// missing): their drills (and runs table rows) then their events, a batch at a time, and the
/// postmortems; then the idle services' drills. Adds the events written to `events_written`.
/// False, with the error printed, when a run cannot be made (run_of gave nothing) or written.
bool WriteRecordedRuns(const std::filesystem::path& dir, int count,
                       const std::function<std::optional<RecordedRun>(int)>& run_of,
                       const RecordedRunsLayout& layout, std::int64_t& events_written);

}  // namespace firedrill::bench
