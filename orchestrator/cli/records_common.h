// What the records subcommands share: opening the records of --state, and the period of --from
// and --to.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "drills/drill.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Opens the records of --state read-only. Returns nullopt after printing why; `exit` says with
/// which code: kExitOk when there is no database and `missing_is_empty` (nothing recorded yet),
/// else kExitStateError.
std::optional<Database> OpenRecords(const Invocation& inv, int& exit, bool missing_is_empty);

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
