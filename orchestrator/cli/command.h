// The subcommand table of the firedrill command: a flat list of {name, summary, help, run}.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "orchestrator/cli/args.h"

namespace firedrill {

/// Everything a subcommand gets: its parsed arguments and where to write.
struct Invocation {
  Args args;
  std::ostream& out;
  std::ostream& err;
};

/// One subcommand. `run` returns an ExitStatus value.
struct Command {
  std::string name;     ///< e.g. "validate", or "records verify" for a nested one
  std::string usage;    ///< "firedrill validate FILE..."
  std::string summary;  ///< one line for the overview
  std::string help;     ///< the full --help text after the usage line
  ArgSpec spec;
  int (*run)(const Invocation&);
};

/// Returns every subcommand, in the order the overview lists them.
const std::vector<Command>& Commands();

/// Runs the firedrill command line (`argv` without the program name); returns the exit status.
int RunCommandLine(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace firedrill
