// The world a DrillEngine acts on, behind seams a test can replace (LevelDB's Env in
// miniature): the clock, how a fault's runtime and a target's runner are made, and how a probe
// is checked. Production uses the defaults; tests run a whole drill in-process in simulated time
// with fakes (tests/orchestrator/engine/engine_harness.*).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>

#include "drills/drill.h"
#include "drills/expected.h"
#include "faults/command_runner.h"
#include "faults/fault.h"
#include "orchestrator/engine/probe_check.h"
#include "orchestrator/engine/run_clock.h"

namespace firedrill {

/// Checks `probe` once (the runner of its target, or null); completes within about the probe's
/// timeout and never throws. Runs on the engine's loop.
using ProbeChecker =
    std::function<boost::asio::awaitable<ProbeOutcome>(const Probe& probe, CommandRunner* runner)>;

/// The engine's seams. Every member left empty (or null) takes the production default.
struct EngineEnv {
  /// The clock of every wait and every recorded time; null: SystemRunClock(). Must outlive the
  /// engine.
  RunClock* clock = nullptr;
  /// Builds the runtime of one fault; empty: MakeFaultFor (built-in kinds and plugins).
  std::function<std::unique_ptr<Fault>(const FaultSpec&)> make_fault;
  /// Builds the runner of target `name`; empty: MakeRunner (local, SSH).
  std::function<Expected<std::unique_ptr<CommandRunner>>(const std::string& name, const Target&)>
      make_runner;
  /// Checks a probe once; empty: CheckProbe (HTTP, TCP, a command on the target's runner).
  ProbeChecker check_probe;
};

}  // namespace firedrill
