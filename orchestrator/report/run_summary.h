// The summary printed when a run ends: T0, the metrics against the objectives and who
// recovered, rendered from the same RunFacts and the same metrics as the postmortem, so that
// the terminal and the documents can never disagree. Pure: no I/O, no clock.
#pragma once

#include <string>

#include "orchestrator/report/run_facts.h"

namespace firedrill {

/// Returns the plain-text summary of a run: T0, TTD (alert, human) and TTR (the one that
/// counts, and the team's mark) with their verdicts against the objectives, who recovered, the
/// outcome in one sentence, and why the run ended. A TTR nobody reached is "not reached" with
/// the reason, never a number.
std::string RunSummaryText(const RunFacts& facts);

}  // namespace firedrill
