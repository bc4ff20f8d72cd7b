// The exit codes of the firedrill command. Documented in docs/exit-codes.md; scripts rely on
// them, so a value never changes meaning.
#pragma once

namespace firedrill {

enum ExitStatus : int {
  kExitOk = 0,
  kExitFailure = 1,            ///< an operation failed (message on stderr)
  kExitUsage = 2,              ///< wrong command-line use
  kExitInvalidDrill = 3,       ///< a drill file has errors
  kExitStateError = 4,         ///< the state directory cannot be used (not a db, newer schema, ...)
  kExitTampered = 5,           ///< records verify: an altered, missing or extra event or checkpoint
  kExitRestoreIncomplete = 6,  ///< a fault may still be in place: manual action needed
  kExitNotFound = 7,           ///< the named drill or record does not exist
  kExitRefused = 8,            ///< the drill was refused before injecting anything (preflight)
  kExitAborted = 9,            ///< aborted (signal, guard, failed step); everything restored
};

}  // namespace firedrill
