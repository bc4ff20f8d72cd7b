// The blameless postmortem of one drill run, pre-filled from its recorded events: header,
// summary and hypothesis, faults, timeline (UTC and the drill's zone), metrics with their
// definitions against the objectives, error-budget context, the team's sections with guiding
// questions, and the action-item table. Markdown for people, JSON with the same content for
// tools. The template never attributes fault to a person.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"

namespace firedrill {

/// A section the team completes, with the questions that guide it.
struct TeamSection {
  std::string key;    ///< JSON key, e.g. "detection"
  std::string title;  ///< Markdown heading, e.g. "Detection"
  std::vector<std::string> questions;
};

/// Returns the team's sections in document order: detection, response, recovery, contributing
/// factors, what went well, what went wrong, where we got lucky, playbook gaps, feedback on the
/// drill.
const std::vector<TeamSection>& TeamSections();

/// Returns true iff `line` is one of the template's own guidance lines exactly as rendered
/// ("> " + a question): the lint skips these, and only these.
bool IsTemplateGuidance(const std::string& line);

/// Renders the Markdown postmortem. `record` (the drills-table row) fills in title, service,
/// owner and zone when the recorded drill text no longer loads; may be nullopt.
std::string PostmortemMarkdown(const RunFacts& facts, const std::optional<DrillRecord>& record);

/// Returns the same content as a JSON object (see docs/postmortem.md for the fields): what the
/// JSON text and the Confluence page are made from.
boost::json::object PostmortemObject(const RunFacts& facts,
                                     const std::optional<DrillRecord>& record);

/// Renders PostmortemObject as indented JSON text.
std::string PostmortemJson(const RunFacts& facts, const std::optional<DrillRecord>& record);

/// Returns `<state_dir>/postmortems/<run_id>.md`.
std::filesystem::path PostmortemPath(const std::filesystem::path& state_dir,
                                     const std::string& run_id);

/// Writes the Markdown postmortem of run `run_id` to PostmortemPath(state_dir, run_id), creating
/// the postmortems directory (0700) if needed; for the engine to call once a run has ended.
/// Never overwrites: an existing file (the team may be editing it) is an Error naming it. Also
/// fails, naming the run, when the records hold no events of `run_id`, and on I/O errors
/// (naming the file). The file is written to a temporary name first and renamed into place.
Status WritePostmortemFile(const std::filesystem::path& state_dir, Database& db,
                           const std::string& run_id);

}  // namespace firedrill
