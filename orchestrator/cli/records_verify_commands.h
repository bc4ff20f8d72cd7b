// `records verify`: checks the records (or an export) and, with --witness, the copies of their
// checkpoints kept outside the state directory. Reads only; creates nothing.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill records verify`: checks the hash chain from the first event, every signed
/// checkpoint and, with --witness, the checkpoints a witness holds; in the state directory or
/// (--from-export) in a JSONL export.
Command RecordsVerifyCommand();

}  // namespace firedrill
