// One run's report (console/report_page.h) read from the records: its events and facts, the
// drill's row, the verification of the whole event chain and the postmortem draft. Shared by
// `firedrill report --html` and the console's record page.
#pragma once

#include <optional>
#include <string>

#include "drills/expected.h"
#include "orchestrator/console/report_page.h"
#include "orchestrator/daemon/chain_watch.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Reads the report of drill `id`'s latest run (or of its run `run`; `id` may also be a run id,
/// see LoadRunEvents) as of `now`. Returns nullopt when the records hold no such drill or run,
/// or the store's error. Read-only. Walks the whole event chain to verify it, unless `known`
/// gives a verification made before (the daemon's ChainWatch), which is then reported with its
/// time, or says none has ended yet.
Expected<std::optional<RunReport>> LoadRunReport(Database& db, const std::string& id,
                                                 const std::optional<std::string>& run, SysTime now,
                                                 const std::optional<ChainStatus>* known = nullptr);

}  // namespace firedrill
