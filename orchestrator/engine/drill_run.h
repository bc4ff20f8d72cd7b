// One drill, run in the foreground from waiting to closed: the engine's state machine.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "drills/drill.h"

namespace firedrill {

/// How to run one drill.
struct RunOptions {
  std::filesystem::path state_dir;
  std::string drill_file;    ///< path, for records and messages
  std::string drill_source;  ///< the file's text, stored in the ledger for crash recovery
  bool json = false;         ///< one JSON object per line on `out` instead of text
  /// Redraw a countdown line once a second while waiting (set when `out` is a terminal);
  /// otherwise a plain progress line every 10 minutes.
  bool live_countdown = false;
};

/// Runs `drill` to completion on one io_context (one thread) with a small worker pool for
/// blocking work: waiting → preflight → injecting → active → restoring → closed (or refused,
/// aborted, restore-failed). Every fault is written to the ledger before it is applied; restore
/// runs at the restore point, on SIGINT/SIGTERM (a second signal does not interrupt it), on a
/// guard trip and on a failed step. Returns an ExitStatus value.
int RunDrill(const Drill& drill, const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace firedrill
