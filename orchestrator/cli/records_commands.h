// Subcommands for the record store: records list, show, verify, export and pubkey, which only
// read and never create or change anything in the state directory, and records checkpoint, which
// signs a checkpoint of the event log.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill records list`: every drill with a record, its event count and outcome; filters by
/// service, window start and outcome.
Command RecordsListCommand();
/// `firedrill records show ID`: the full event log of one drill.
Command RecordsShowCommand();
/// `firedrill records verify`: checks the hash chain from the first event and every signed
/// checkpoint, in the state directory or (--from-export) in a JSONL export.
Command RecordsVerifyCommand();
/// `firedrill records export`: every event (and checkpoint) as JSONL or CSV, for auditors.
Command RecordsExportCommand();
/// `firedrill records pubkey`: the public key that checkpoints are verified with (PEM).
Command RecordsPubkeyCommand();
/// `firedrill records checkpoint`: signs a checkpoint of the event log's current head now.
Command RecordsCheckpointCommand();

}  // namespace firedrill
