// `firedrill plugins list` and `firedrill plugins test`: what external fault plugins were found,
// and the conformance check of one plugin kind against a real target.
#pragma once

#include "orchestrator/cli/command.h"

namespace firedrill {

/// `firedrill plugins list [--json] [--dir DIR]`: each plugin on the search path, its path, its
/// kinds (with their schema, restore timeout, snapshot and manual text) and whether `describe`
/// passed (with the error if not), and what the search skipped and why. Exits 1 if any plugin
/// failed or a --dir directory cannot be searched.
Command PluginsListCommand();

/// `firedrill plugins test PLUGIN --kind KIND [NAME=VALUE...] [--target-host HOST ...] [--json]`:
/// runs inject -> check -> restore -> check -> restore (and compares snapshots) against the
/// target, timing each step; --json prints the steps as one JSON object. Exits 0 iff every step
/// passed, 1 otherwise, 2 for wrong usage, 3 for parameters the kind's schema refuses, 7 for an
/// unknown plugin or kind.
Command PluginsTestCommand();

}  // namespace firedrill
