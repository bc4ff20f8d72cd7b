// The dead man's switch of a remote fault: a restore armed on the target itself that fires at
// the window's give-up point unless firedrill disarms it first, so a fault on another machine
// is undone even if the orchestrator dies and never comes back.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// Arms the switch for one fault on `runner`'s host: a detached shell (setsid + nohup, so it
/// survives the SSH session; systemd is not assumed) that sleeps `fires_in` and then runs
/// `restore` (the fault's restore commands), writing what it did to
/// /tmp/firedrill-deadman-RUN-FAULT.log on the target. Its command line carries
/// firedrill-deadman-RUN-FAULT so it can be found. Run before the fault is injected.
Status ArmDeadMansSwitch(CommandRunner& runner, const std::string& run_id,
                         const std::string& fault_id, Duration fires_in,
                         const std::string& restore);

/// Disarms the switch of one fault (kills its sleeper; nothing fires). Idempotent: succeeds when
/// none is armed. Run after the fault is restored and verified.
Status DisarmDeadMansSwitch(CommandRunner& runner, const std::string& run_id,
                            const std::string& fault_id);

/// Returns the marker in the switch's command line: "firedrill-deadman-RUN-FAULT".
std::string DeadMansSwitchName(const std::string& run_id, const std::string& fault_id);

}  // namespace firedrill
