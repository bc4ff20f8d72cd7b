#include "orchestrator/report/drill_facts.h"

namespace firedrill {

DrillFacts DrillFactsOf(const Drill& drill) {
  DrillFacts f;
  f.service = drill.service;
  f.zone = drill.window.zone;
  f.announce_lead = drill.announce.lead;
  f.briefing_required = drill.briefing_required;
  f.grace = drill.window.grace;
  f.detect_within = drill.objectives.detect_within;
  f.recover_within = drill.objectives.recover_within;
  f.has_probes = !drill.probes.empty();
  for (const Guard& g : drill.guards) {
    if (g.kind == GuardKind::kProbe) f.probe_guards.push_back({g.name, g.max_red});
  }
  return f;
}

boost::json::object DrillFactsJson(const Drill& drill) {
  return DrillFactsJson(DrillFactsOf(drill));
}

}  // namespace firedrill
