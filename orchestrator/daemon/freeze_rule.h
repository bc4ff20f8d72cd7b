// The operator's "real incident" rule and what an alert does to a freeze: an alert that matches
// the rule and the detection of no drill in play is a real incident, which starts (or holds) a
// freeze until every such alert has resolved and the cool-down has passed. Pure: no clock, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/duration.h"
#include "drills/expected.h"
#include "orchestrator/alerts/alert_payload.h"
#include "orchestrator/store/freeze_table.h"

namespace firedrill {

/// The default cool-down after a real incident's last alert resolved.
inline constexpr Duration kDefaultFreezeCooldown = std::chrono::minutes(15);

/// The rule, from `firedrill serve --incident-match LABELS [--incident-cooldown DURATION]`.
struct IncidentRule {
  /// Alert labels that mean "a real incident" (AlertMatches); empty: no rule, freezes by hand only.
  std::map<std::string, std::string> match;
  Duration cooldown = kDefaultFreezeCooldown;
};

/// Parses `name=value[,name=value...]` (e.g. "severity=critical,env=prod") into a label match.
/// Names and values are trimmed of spaces; fails, naming the part, on an empty text, a part
/// without '=', an empty name or value, or a name given twice.
Expected<std::map<std::string, std::string>> ParseLabelMatch(std::string_view text);

/// Returns "source/fingerprint" of `alert` (without a fingerprint, its labels stand in), which
/// names it in a freeze's open alerts.
std::string IncidentAlertKey(const Alert& alert);

/// Returns true iff `alert` is firing, `rule.match` matches it (AlertMatches) and it matches the
/// `detection.match` of none of `in_play` (the drills whose faults may be in place: their alerts
/// are the drill, not an incident).
bool IsRealIncident(const Alert& alert, const IncidentRule& rule,
                    const std::vector<const Drill*>& in_play);

/// What NoteIncidentAlert did to the freeze.
enum class FreezeChange {
  kNone,     ///< nothing
  kStarted,  ///< a freeze began (`freeze` was empty)
  kHeld,     ///< the freeze holds on: an incident alert was added (a cool-down was called off)
  kThawing,  ///< the last incident alert resolved: the freeze ends at `thaw_at`
  kChanged,  ///< an incident alert resolved, others still fire (or the freeze is by hand)
};

/// Applies `alert`, heard at `now`, to the freeze (empty: none holds): a firing real incident
/// (`real_incident`, see IsRealIncident) starts an "incident" freeze or joins the one that holds
/// (calling off its cool-down); a resolved alert among the open alerts leaves them, and when it
/// was the last of an "incident" freeze, the freeze thaws at now + `cooldown`. A freeze by hand
/// never thaws by itself.
FreezeChange NoteIncidentAlert(std::optional<FreezeRecord>& freeze, const Alert& alert,
                               bool real_incident, SysTime now, Duration cooldown);

/// Returns the one-line reason an incident freeze records: the alert's summary (or fingerprint),
/// source and labels.
std::string IncidentReason(const Alert& alert);

}  // namespace firedrill
