// Verifying a JSONL export on its own, exactly as the database is verified: an export carries
// every field an event's hash covers, the checkpoints, and an end line that says how many of each
// it holds.
#pragma once

#include <iosfwd>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/witness.h"

namespace firedrill {

/// Verifies a complete JSONL export read from `in` (`name` names it in messages) as VerifyRecords
/// verifies a database: every event re-hashed from the exported fields with the event_hash
/// encoding, the chain walked from event 1, every checkpoint checked with `key` (which may be null
/// only if the export holds no checkpoints), and, when `witness` is given, the export against it.
/// A version 2 export must end with its end line, and what it holds must add up to it: a missing
/// end line (the export was cut), missing event lines at the end, or missing checkpoint lines are
/// reported in RecordsReport::copy, naming the lines and checkpoints; the end line's signature is
/// checked with `key`. An unsigned end line and a version 1 export (no end line) are accepted with
/// a note saying what could not be checked. A line that is not a valid record makes the report
/// bad, naming the line ("<name> line N: ..."). Fails (Error) if the input is not a firedrill
/// JSONL export, is a filtered or partial one (those cannot show a complete chain), or cannot be
/// read.
Expected<RecordsReport> VerifyExport(std::istream& in, std::string_view name, const SigningKey* key,
                                     const WitnessSource* witness = nullptr);

}  // namespace firedrill
