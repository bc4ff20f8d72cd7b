// The firedrill command: a thin shell over the subcommand table.
#include <iostream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/engine/termination_signals.h"

int main(int argc, char** argv) {
  // Before any thread exists: a SIGTERM during start-up (restoring leftovers, say) must wait
  // for the run's event loop, not kill the process.
  if (argc > 1 && firedrill::DefersTerminationSignals(argv[1])) {
    firedrill::DeferTerminationSignals();
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return firedrill::RunCommandLine(args, std::cout, std::cerr);
}
