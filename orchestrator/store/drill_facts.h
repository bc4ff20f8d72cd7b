// The few facts of a drill file that the audit reads, as recorded with each run: the engine writes
// them into `run-started` (key "drill_facts") next to the drill's whole text, so that an audit of
// thousands of runs reads a small JSON object per run instead of re-parsing every drill file.
// Runs recorded before this existed have no such key; their facts come from the re-parsed text.
// The struct and its record format live here, with the other payloads (event_payloads.h); what a
// drill's facts are (DrillFactsOf) is decided in report/drill_facts.h.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

/// A probe guard's limit: the guard trips when its probe stays red longer than `max_red`.
struct GuardLimit {
  std::string name;
  Duration max_red{0};

  bool operator==(const GuardLimit&) const = default;
};

/// The drill-file facts an audit row and the run's derived facts need, and nothing else.
struct DrillFacts {
  std::string service;
  std::string zone;  ///< the window's IANA time zone, as written
  Duration announce_lead{0};
  bool briefing_required = false;
  Duration grace{0};  ///< the window's grace after its end
  std::optional<Duration> detect_within;
  std::optional<Duration> recover_within;
  /// True when the drill has probes: recovery is then probe-confirmed, else the team's mark.
  bool has_probes = false;
  std::vector<GuardLimit> probe_guards;  ///< the probe guards, in drill order

  bool operator==(const DrillFacts&) const = default;
};

/// Returns `facts` as the compact object recorded under "drill_facts": keys "service", "zone",
/// "announce_lead_ms", "briefing_required", "grace_ms", "detect_within_ms" and
/// "recover_within_ms" (left out when the drill sets no such objective), "has_probes",
/// "probe_guards" (an array of {"name", "max_red_ms"}). Durations are integer milliseconds. These
/// names are part of the record format: add keys, never rename or reuse one.
boost::json::object DrillFactsJson(const DrillFacts& facts);

/// Reads what DrillFactsJson wrote. Returns nullopt when `v` is not an object, when a key other
/// than the optional ones ("zone", the two objectives, "probe_guards") is missing, or when a key
/// has the wrong type: the caller then falls back to the drill's recorded text. Unknown keys are
/// ignored.
std::optional<DrillFacts> ParseDrillFacts(const boost::json::value& v);

}  // namespace firedrill
