// The few facts of a drill file that the audit reads, recorded with each run: the engine writes
// them into `run-started` (key "drill_facts") next to the drill's whole text, so that an audit of
// thousands of runs reads a small JSON object per run instead of re-parsing every drill file.
// Runs recorded before this existed have no such key; their facts come from the re-parsed text.
// The struct and its record format are the store's (store/drill_facts.h); what a drill's facts
// are is decided here.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/store/drill_facts.h"

namespace firedrill {

/// Returns the facts of `drill`. Pure.
DrillFacts DrillFactsOf(const Drill& drill);

/// Returns DrillFactsJson(DrillFactsOf(drill)): what the engine records for a run of `drill`.
boost::json::object DrillFactsJson(const Drill& drill);

}  // namespace firedrill
