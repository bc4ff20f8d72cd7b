// The outputs the docs quote, checked against what the program really prints. Every ```text
// block of README.md and docs/*.md is announced by an HTML comment on the line above it:
//
//   <!-- output: NAME -->          what firedrill prints; a test shows it with CheckDocOutput
//   <!-- not-output: REASON -->    anything else (a diagram, a file's content)
//
// so that a message changed in the code without its docs fails a test.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace firedrill::testing {

/// One ```text block of the docs.
struct DocBlock {
  std::string file;                ///< its file, relative to the source tree
  int line = 0;                    ///< the line of its opening fence
  std::string annotation;          ///< "output" or "not-output"; "" when it has none
  std::string name;                ///< the output's NAME, or the REASON it is not one
  std::vector<std::string> lines;  ///< its text
};

/// Every ```text block of README.md and docs/*.md, in file order.
std::vector<DocBlock> DocBlocks();

/// Whether `actual` shows the quoted output `name`: each line of the block, after replacing each
/// `names` pair's first (the docs' drill id, say) with its second (the test's), matches a line
/// of `actual` in order, where digits match any digits, a duration ("2m05s", "438ms") any
/// duration, "..." any text and two or more spaces any run of spaces. Fails the test (CHECK)
/// naming the first line that `actual` does not show.
void CheckDocOutput(const std::string& name, const std::string& actual,
                    const std::vector<std::pair<std::string, std::string>>& names = {});

/// The pattern CheckDocOutput matches a quoted `line` with (ECMAScript), exposed for its test.
std::string DocLinePattern(const std::string& line);

}  // namespace firedrill::testing
