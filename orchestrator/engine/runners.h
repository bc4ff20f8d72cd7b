// Where each target's commands run.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "drills/drill.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// The runners of a drill's targets, by target name.
using RunnerMap = std::map<std::string, std::unique_ptr<CommandRunner>>;

/// Returns a runner for `target`: a LocalRunner for a local target, an SshRunner (not yet
/// connected; `~/` in key paths is the user's home) for an SSH target.
Expected<std::unique_ptr<CommandRunner>> MakeRunner(const Target& target);

/// Returns the runner of target `name`, or nullptr if `runners` has none.
CommandRunner* FindRunner(const RunnerMap& runners, const std::string& name);

}  // namespace firedrill
