// The firedrill command line run in this process (RunCommandLine), for tests of the commands
// that need no child process: its exit status and what it printed on each stream.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"

namespace firedrill::testing {

/// What one command line did.
struct CliResult {
  int status = 0;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs `args` (without the program name) as `firedrill` would, in this process.
inline CliResult Cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = RunCommandLine(args, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace firedrill::testing
