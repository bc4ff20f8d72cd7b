// The firedrill command: a thin shell over the subcommand table.
#include <iostream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return firedrill::RunCommandLine(args, std::cout, std::cerr);
}
