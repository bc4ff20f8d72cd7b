// The postmortem as a Confluence page body in storage format (Confluence's XHTML with its `ac:`
// macros), following the fields of Atlassian's postmortem template: incident summary, leadup,
// fault, impact, detection, response, recovery, timeline, contributing factors with five whys,
// and action items. Made from PostmortemObject, so it says what the Markdown and JSON say.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/drill_table.h"

namespace firedrill {

/// Returns the storage-format body: an XHTML fragment (no root element, as the REST API takes
/// it in `body.storage.value`) using the macros `info` (this was a drill), `status` (a lozenge
/// per objective: MET, MISSED, NOT REACHED, NO OBJECTIVE, the word always written) and plain
/// tables, headings and lists. Every text from the records goes through Escape; the result is
/// well-formed XML once wrapped in an element declaring the `ac` and `ri` namespaces.
std::string PostmortemConfluence(const RunFacts& facts, const std::optional<DrillRecord>& record);

}  // namespace firedrill
