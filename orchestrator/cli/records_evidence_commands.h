// Subcommands that make evidence of the records: records export and pubkey, which only read and
// never create or change anything in the state directory, and records checkpoint, which signs a
// checkpoint of the event log and publishes it to the operator's witnesses.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill records export`: every event (and checkpoint) as JSONL or CSV, for auditors.
Command RecordsExportCommand();
/// `firedrill records pubkey`: the public key that checkpoints are verified with (PEM).
Command RecordsPubkeyCommand();
/// `firedrill records checkpoint`: signs a checkpoint of the event log's current head now and
/// publishes it to the witnesses.
Command RecordsCheckpointCommand();

}  // namespace firedrill
