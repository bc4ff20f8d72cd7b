// How one recorded event reads in a run's timeline: what happened, in plain words, never whose
// fault it was. The postmortem's and the report's timelines are these lines (DeriveRunFacts).
#pragma once

#include <string>

#include "orchestrator/store/drill_facts.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {

/// Returns the timeline text of `event`: its kind's sentence with its payload's details, or the
/// kind and why its details could not be read. `facts` (may be null) names the drill's faults
/// and probes; `is_t0` marks the event the run's T0 is taken from. Pure.
std::string TimelineText(const TypedEvent& event, const DrillFacts* facts, bool is_t0);

}  // namespace firedrill
