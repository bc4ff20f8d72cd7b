// Checks on a whole drill that no single key can make: references, uniqueness, window arithmetic,
// blackouts. Pure: no TOML, no I/O.
#pragma once

#include "drills/drill.h"
#include "drills/fault_kind.h"

namespace firedrill {

/// Appends every cross-key problem of `drill` to `out`, each at the position of the offending
/// item: window end after start, window long enough for the largest fault delay plus the restore
/// budget, fault/probe/guard targets and guard probes resolve, ids and names unique, at least
/// one fault, probe timeout shorter than its interval, no overlap with a blackout; a repeating
/// window repeats (a second occurrence exists) without overlapping itself; `[wheel]` names
/// existing faults once each, picks 1..their number, and its inject_within fits in the window
/// with the largest delay and the restore budget. Items left empty by earlier key errors are
/// skipped; window checks run only when `window_known`.
void ValidateDrill(const Drill& drill, Diagnostics& out, bool window_known = true);

}  // namespace firedrill
