// Whether an incoming alert is the one a drill waits for: the label match of Detection::match
// and of alert guards (drills/drill.h). Pure functions; no clock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/alerts/alert_payload.h"

namespace firedrill {

/// Returns true iff `match` is non-empty and, for every key of `match`, the alert has a label of
/// that name with exactly that value (case-sensitive; extra alert labels are ignored). An empty
/// `match` never matches: a drill that names no labels must not be "detected" by any alert.
/// The alert's status is not considered.
bool AlertMatches(const Alert& alert, const std::map<std::string, std::string>& match);

/// Returns the earliest-starting alert of `alerts` that is firing, has a starts_at at or after
/// `t0`, and matches `match` (see AlertMatches); on equal starts_at the first in `alerts` wins.
/// Alerts without starts_at never qualify (they cannot be placed after `t0`). nullopt if none.
std::optional<Alert> FirstMatchingAfter(const std::vector<Alert>& alerts,
                                        const std::map<std::string, std::string>& match,
                                        SysTime t0);

}  // namespace firedrill
