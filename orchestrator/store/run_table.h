// The runs table: every run of a drill, from start to end, with the process that runs it. Lets
// `status` and `list` show a run in progress whichever process runs it (a daemon or a foreground
// `firedrill run`), and lets whoever restores the faults of a run whose process died close that
// run (as interrupted) instead of leaving it open for ever.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// The identity of a process, stable against pid reuse: pid, its start time and the boot.
struct ProcessStamp {
  std::int64_t pid = 0;
  std::int64_t start = 0;  ///< /proc/PID/stat field 22 (clock ticks since boot); 0: unknown
  std::string boot_id;     ///< /proc/sys/kernel/random/boot_id; empty: unknown

  /// The stamp of this process.
  static ProcessStamp Self();
  /// True unless this process certainly no longer runs: its pid is gone, or now belongs to a
  /// process that started at another time, or the machine rebooted since.
  bool Alive() const;
};

/// One run.
struct RunRecord {
  std::string run_id;
  std::string drill_id;
  SysTime started;
  ProcessStamp process;
  std::optional<SysTime> ended;  ///< unset while it goes on
  std::string outcome;           ///< OutcomeName of how it ended; empty while it goes on
};

/// A run with the names of its drill from the drills table (empty when the drill is not there).
struct RunListing {
  RunRecord run;
  std::string title;
  std::string service;
  std::string zone;
};

/// Reads and writes the runs table of one Database, which must outlive it. Same threading rule
/// as the Database.
class RunTable {
 public:
  explicit RunTable(Database& db) : db_(db) {}

  /// Records that run `r` began (ended and outcome are ignored). Fails on a run id seen before.
  Status Begin(const RunRecord& r);
  /// Records how run `run_id` ended. An unknown run id (a run begun before this table existed)
  /// is not an error: nothing is changed.
  Status End(const std::string& run_id, SysTime at, const std::string& outcome);
  /// Returns the runs not ended yet, oldest first.
  Expected<std::vector<RunRecord>> Open();
  /// Returns run `run_id`, or nullopt when unknown.
  Expected<std::optional<RunRecord>> Get(const std::string& run_id);
  /// Returns the runs that began before `to` and had not ended by `from` (ended after it, or go
  /// on), with their drill's names, ordered by start then run id: what a calendar of [from, to)
  /// shows. One query of the runs table (which has no index by time, so every row is visited)
  /// joined with the drills table; the event log is not read.
  Expected<std::vector<RunListing>> Overlapping(SysTime from, SysTime to);

 private:
  Database& db_;
};

}  // namespace firedrill
