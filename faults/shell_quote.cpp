#include "faults/shell_quote.h"

namespace firedrill {

std::string ShellQuote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    // A single quote cannot appear inside '...': close, add an escaped quote, reopen.
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

}  // namespace firedrill
