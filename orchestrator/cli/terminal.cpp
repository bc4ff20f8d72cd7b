#include "orchestrator/cli/terminal.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace firedrill {

bool StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

bool ColourWanted() {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && no_colour[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term == nullptr || term[0] == '\0' || std::string_view(term) == "dumb") return false;
  return StdoutIsTerminal();
}

}  // namespace firedrill
