// How the process faults (process.kill, process.pause) pick their victims: exactly one of
// `pidfile`, `name` or `cmdline`, plus `all` for when several processes match.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drills/fault_kind.h"
#include "drills/param_schema.h"
#include "faults/param_reader.h"

namespace firedrill {

/// What a process selector matches on.
enum class ProcessMatch {
  kPidfile,  ///< the PID written in a file
  kName,     ///< the exact process name, as in /proc/PID/comm
  kCmdline,  ///< a substring of the full command line, as in /proc/PID/cmdline
};

/// Longest name the kernel keeps in /proc/PID/comm (TASK_COMM_LEN - 1).
inline constexpr std::size_t kMaxProcessNameLength = 15;

/// The processes a fault acts on.
struct ProcessSelector {
  ProcessMatch match = ProcessMatch::kName;
  std::string value;  ///< the pidfile path, process name or command-line substring
  /// When several processes match: act on all of them (true) or refuse at preflight (false).
  bool all = false;

  /// Returns e.g. "every process named \"web\"" or "the process in pidfile /run/web.pid".
  std::string Describe() const;
};

/// Returns the schema of the selector parameters: pidfile, name, cmdline, all.
std::vector<ParamSpec> ProcessSelectorParams();

/// Builds the selector of one fault. Reports through `reader` (and returns nullopt) when not
/// exactly one of pidfile/name/cmdline is given, when the chosen value is empty, when a name
/// could never match /proc/PID/comm, or when `all` is set together with a pidfile.
std::optional<ProcessSelector> ReadProcessSelector(ParamReader& reader);

}  // namespace firedrill
