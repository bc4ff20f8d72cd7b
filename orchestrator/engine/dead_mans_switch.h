// The dead man's switch of a remote fault: a restore armed on the target itself that fires at
// the window's give-up point unless firedrill disarms it first, so a fault on another machine
// is undone even if the orchestrator dies and never comes back.
#pragma once

#include <boost/asio/awaitable.hpp>
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
boost::asio::awaitable<Status> ArmDeadMansSwitch(CommandRunner& runner, std::string run_id,
                                                 std::string fault_id, Duration fires_in,
                                                 std::string restore);

/// Disarms the switch of one fault (kills its sleeper; nothing fires). Idempotent: succeeds when
/// none is armed. Run after the fault is restored and verified.
boost::asio::awaitable<Status> DisarmDeadMansSwitch(CommandRunner& runner, std::string run_id,
                                                    std::string fault_id);

/// Returns the marker in the switch's command line: "firedrill-deadman-RUN-FAULT".
std::string DeadMansSwitchName(const std::string& run_id, const std::string& fault_id);

}  // namespace firedrill
