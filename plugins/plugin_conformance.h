// The conformance check of one plugin kind against a real target: inject, check (in place),
// restore, check (not in place), a second restore (idempotent), and, for kinds that answer
// `snapshot`, the snapshot before and after must be equal. Used by `firedrill plugins test`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/duration.h"
#include "faults/command_runner.h"
#include "plugins/plugin_protocol.h"

namespace firedrill {

/// One step of a conformance run.
struct ConformanceStep {
  std::string name;  ///< "prepare", "inject", "check in place", ...
  bool ok = false;
  std::string detail;  ///< the error, or what was seen
  Duration elapsed{};  ///< how long the step's plugin call took (monotonic clock)
};

/// The outcome of RunConformance.
struct ConformanceReport {
  std::vector<ConformanceStep> steps;
  bool passed = false;  ///< every step ok
  Duration elapsed{};   ///< the whole check, first step to last (monotonic clock)
};

/// Runs the conformance check of `kind` with the loaded fault `spec` (its params built by the
/// kind's PluginKindSpec) through `runner`, timing each step. Stops at the first failing step of
/// prepare/inject, but always tries to restore once something was injected. `kind` and `spec` must
/// stay alive until the awaitable has completed.
boost::asio::awaitable<ConformanceReport> RunConformance(const PluginKind& kind,
                                                         const FaultSpec& spec,
                                                         CommandRunner& runner,
                                                         std::string drill_id);

}  // namespace firedrill
