#include "orchestrator/daemon/prefixed_lines.h"

#include <utility>

namespace firedrill {

PrefixedLines::PrefixedLines(std::ostream& out, std::string prefix)
    : out_(out), prefix_(std::move(prefix)) {}

int PrefixedLines::overflow(int c) {
  if (c == traits_type::eof()) return traits_type::not_eof(c);
  line_ += static_cast<char>(c);
  if (c == '\n') {
    out_ << prefix_ << line_;
    out_.flush();
    line_.clear();
  }
  return c;
}

}  // namespace firedrill
