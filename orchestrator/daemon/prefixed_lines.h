// The output of one drill among several in the daemon's log: each line prefixed with its id.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>

namespace firedrill {

/// A stream buffer that writes each complete line to `out` with `prefix` in front, flushing
/// after each, so that the lines of drills running side by side never interleave mid-line. A
/// last line without its newline is not written. `out` must outlive the buffer; one thread.
class PrefixedLines : public std::streambuf {
 public:
  PrefixedLines(std::ostream& out, std::string prefix);

 protected:
  int overflow(int c) override;

 private:
  std::ostream& out_;
  std::string prefix_;
  std::string line_;
};

}  // namespace firedrill
