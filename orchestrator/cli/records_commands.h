// Subcommands that read the record store: records list, show, verify. Read-only: they never
// create or change the state directory.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill records list`: every drill with a record, with its event count.
Command RecordsListCommand();
/// `firedrill records show ID`: the full event log of one drill.
Command RecordsShowCommand();
/// `firedrill records verify`: checks the hash chain from the first event.
Command RecordsVerifyCommand();

}  // namespace firedrill
