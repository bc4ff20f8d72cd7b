// The process.kill fault: sends a signal to the selected processes; the restore starts them again
// (`start_command`) or waits for a supervisor to do it.
#pragma once

#include <csignal>
#include <optional>
#include <string>

#include "drills/duration.h"
#include "drills/fault_kind.h"
#include "faults/process_selector.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kProcessKillKind[] = "process.kill";

/// Typed parameters of a process.kill fault.
struct ProcessKillParams : FaultParams {
  ProcessSelector selector;             ///< the processes to signal
  std::string signal_name = "SIGKILL";  ///< one of SIGKILL SIGTERM SIGINT SIGQUIT SIGHUP SIGABRT
  int signal_number = SIGKILL;          ///< the number of `signal_name` on this platform
  /// Run by the restore; absent = a supervisor restarts the process, the restore only waits.
  std::optional<std::string> start_command;
  /// How long the restore waits for the process to be back.
  Duration restart_within = std::chrono::seconds(30);

  /// Returns e.g. "SIGKILL every process named \"web\"; restore: wait up to 30s for a supervisor
  /// to restart it".
  std::string Describe() const override;
};

/// Returns the schema and factory of process.kill.
FaultKindSpec ProcessKillSpec();

}  // namespace firedrill
