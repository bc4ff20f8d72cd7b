// The command fault: the drill brings its own shell commands for a fault no built-in kind covers.
// `inject` puts it in place, the optional `check` confirms it, and the fault's common `restore`
// key (read by the loader into FaultSpec::restore_command, required for this kind) takes it out.
#pragma once

#include <optional>
#include <string>

#include "drills/duration.h"
#include "drills/fault_kind.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kCommandKind[] = "command";

/// Typed parameters of a command fault. The restore command is not here: it is the fault's common
/// `restore` key (FaultSpec::restore_command), which every kind shares.
struct CommandParams : FaultParams {
  std::string inject;                           ///< puts the fault in place
  std::optional<std::string> check;             ///< exits 0 iff the fault is in place
  std::string shell = "/bin/sh";                ///< runs each command as `shell -c COMMAND`
  Duration timeout = std::chrono::seconds(30);  ///< per command

  /// Returns e.g. "run \"systemctl stop pgbouncer\"".
  std::string Describe() const override;
};

/// Returns the schema and factory of command.
FaultKindSpec CommandSpec();

}  // namespace firedrill
