// Subcommands that turn the records into documents: the blameless postmortem of a run (and its
// lint), and the audit report over a period. Read-only: they never create or change anything in
// the state directory.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill postmortem ID`: renders the postmortem of a drill's latest run (or --run RUN) as
/// Markdown or JSON; `firedrill postmortem --lint FILE` flags blaming phrases in a completed one.
Command PostmortemCommand();
/// `firedrill audit`: per-run compliance rows and a per-service, per-quarter summary.
Command AuditCommand();

/// `firedrill report ID --html FILE`: one run as a self-contained HTML file.
Command ReportCommand();

/// `firedrill actions ID`: the action items of a postmortem, as a list or for Jira's CSV import.
Command ActionsCommand();

}  // namespace firedrill
