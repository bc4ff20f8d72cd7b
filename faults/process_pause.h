// The process.pause fault: freezes the selected processes with SIGSTOP; the restore sends SIGCONT.
#pragma once

#include <string>

#include "drills/fault_kind.h"
#include "faults/process_selector.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kProcessPauseKind[] = "process.pause";

/// Typed parameters of a process.pause fault.
struct ProcessPauseParams : FaultParams {
  ProcessSelector selector;  ///< the processes to freeze

  /// Returns e.g. "pause (SIGSTOP) the process named \"redis-server\"; restore: SIGCONT".
  std::string Describe() const override;
};

/// Returns the schema and factory of process.pause.
FaultKindSpec ProcessPauseSpec();

}  // namespace firedrill
