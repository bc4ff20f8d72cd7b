// Subcommands that read the record store: records list and show, which never create or change
// anything in the state directory. The evidence commands (verify, export, pubkey, checkpoint)
// are in records_verify_commands.h.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill records list`: every drill with a record, its event count and outcome; filters by
/// service, window start and outcome.
Command RecordsListCommand();
/// `firedrill records show ID`: the full event log of one drill.
Command RecordsShowCommand();

}  // namespace firedrill
