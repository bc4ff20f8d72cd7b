// `firedrill actions ID --jira URL --project KEY`: the action items of a postmortem filed as
// Jira issues, each once, with their keys written back into the postmortem's table and the
// drill's record.
#pragma once

#include <filesystem>
#include <string>

#include "orchestrator/cli/command.h"
#include "orchestrator/report/run_facts.h"

namespace firedrill {

/// Files every action item of `markdown` (the postmortem of the run `facts` describes, read
/// from `file`) that has no ticket yet as a Jira issue of --project, or finds the one filed for
/// it before (its label, ActionItemLabel); writes the keys into the Ticket cells of `file`;
/// records each (notice-delivered, channel jira) or its failure (notice-failed) in the drill's
/// record; prints one line per item. Returns the exit status: 0 when every item has a ticket,
/// 1 when Jira refused one (the others are still filed and written), 2 for wrong usage or no
/// credentials, 4 when the records or the file cannot be written.
int FileActionItemsInJira(const Invocation& inv, const RunFacts& facts,
                          const std::filesystem::path& file, const std::string& markdown);

}  // namespace firedrill
