// One run's events read from the records, by drill id (its latest run, or a given run) or by
// run id: the input of DeriveRunFacts (run_facts.h) for one run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

/// Reads the events of one run: `id` is a drill id (its latest run, or run `run` of it when
/// given) or a run id (`run` then unset). Returns an empty vector when nothing matches, or the
/// store's error. Read-only.
Expected<std::vector<Event>> LoadRunEvents(Database& db, const std::string& id,
                                           const std::optional<std::string>& run);

}  // namespace firedrill
