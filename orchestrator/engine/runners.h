// Where each target's commands run.
#pragma once

#include <memory>

#include "drills/drill.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// Returns a runner for `target`: a LocalRunner for local targets. SSH targets are not supported
/// by this build yet and yield an Error naming the target.
Expected<std::unique_ptr<CommandRunner>> MakeRunner(const Target& target);

}  // namespace firedrill
