// `firedrill plugins list` and `firedrill plugins test`: what external fault plugins were found,
// and the conformance check of one plugin kind against a real target.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill plugins list [--json] [--dir DIR]`: each plugin on the search path, its path, its
/// kinds and whether `describe` passed (with the error if not). Exits 1 if any plugin failed.
Command PluginsListCommand();

/// `firedrill plugins test PLUGIN --kind KIND [NAME=VALUE...] [--target-host HOST ...]`: runs
/// inject -> check -> restore -> check -> restore (and compares snapshots) against the target.
/// Exits 0 iff every step passed, 1 otherwise, 3 for parameters the kind's schema refuses.
Command PluginsTestCommand();

}  // namespace firedrill
