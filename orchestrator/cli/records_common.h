// What the records subcommands share: opening the records of --state, loading one run, and the
// period of --from and --to.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

/// Opens the records of --state read-only. Returns nullopt after printing why; `exit` says with
/// which code: kExitOk when there is no database and `missing_is_empty` (nothing recorded yet),
/// else kExitStateError.
std::optional<Database> OpenRecords(const Invocation& inv, int& exit, bool missing_is_empty);

/// The records of one run, read-only.
struct LoadedRun {
  Database db;
  std::vector<Event> events;  ///< the run's events, in record order
};

/// Opens the records of --state and loads the events of drill `id`'s latest run, or of run
/// `run`; `id` may also be a run id. Prints why not (naming `command`) and sets `exit` when there
/// are no records, they cannot be read, or there is no such drill or run.
std::optional<LoadedRun> LoadRun(const Invocation& inv, const char* command, const std::string& id,
                                 const std::optional<std::string>& run, int& exit);

/// A half-open period [from, until) from --from and --to; either end may be open.
struct Period {
  std::optional<SysTime> from;
  std::optional<SysTime> until;

  /// True iff `t` is in the period.
  bool Contains(SysTime t) const { return (!from || t >= *from) && (!until || t < *until); }
};

/// Reads --from (inclusive) and --to (including the whole day, or the very time, it names):
/// YYYY-MM-DD (a whole UTC day) or ISO-8601 YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset; no
/// offset means UTC. Prints why and returns nullopt on a bad value or an empty period (the caller
/// exits with kExitUsage).
std::optional<Period> ReadPeriod(const Invocation& inv);

/// Returns {id, seq, ts, head_hash, key_id, version} of `cp`: how verify and checkpoint show one.
boost::json::object CheckpointSummaryJson(const Checkpoint& cp);

}  // namespace firedrill
