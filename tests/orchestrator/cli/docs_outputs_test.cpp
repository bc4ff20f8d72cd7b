// The outputs quoted in the docs are outputs firedrill prints: every ```text block of README.md
// and docs/*.md says whether it is one, and each that is has a test that runs the scenario and
// compares (tests/support/doc_output.h).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include "tests/support/doc_output.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using testing::DocBlock;
using testing::DocBlocks;
using testing::DocLinePattern;

bool Quotes(const std::string& quoted, const std::string& printed) {
  return std::regex_match(printed, std::regex(DocLinePattern(quoted)));
}

// The NAMEs that tests under tests/ pass to CheckDocOutput("NAME", ...).
std::set<std::string> CheckedNames() {
  std::set<std::string> names;
  const std::regex call(R"re(CheckDocOutput\(\s*"([^"]+)")re");
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(FIREDRILL_SOURCE_DIR) / "tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
      names.insert((*it)[1].str());
    }
  }
  return names;
}

}  // namespace

TEST_CASE("a quoted output matches what varies and nothing else", "[cli][docs]") {
  // Times, durations, ids with numbers and "..." vary; the words do not.
  CHECK(Quotes("19:20:33  demo acknowledged detected (T0+2s438ms): ok",
               "07:01:59  demo acknowledged detected (T0+1m3s): ok"));
  CHECK(Quotes("run demo-1796584826296 started", "run demo-1801234567890 started"));
  CHECK(Quotes("TTR 6s157ms", "TTR 980ms"));
  CHECK(Quotes("objective 3d: met", "objective 20s: met"));
  CHECK(Quotes("cannot rebuild fault flag: ...; the plugin ... cannot be used: ...",
               "cannot rebuild fault flag: x; y; the plugin /p cannot be used: gone"));
  CHECK(Quotes("DRILL   STATE", "DRILL                 STATE"));
  CHECK_FALSE(Quotes("19:20:33  demo acknowledged detected", "19:20:33  demo acknowledged"));
  CHECK_FALSE(Quotes("probe demo-health green", "probe demo-health red"));
  CHECK_FALSE(Quotes("TTR 6s157ms", "TTR unknown"));
  CHECK_FALSE(Quotes("window (x)", "window x"));
  CHECK_FALSE(Quotes("  fault  kill", "fault  kill"));
}

TEST_CASE("every text block of the docs says whether it is output, and each output is tested",
          "[cli][docs]") {
  const std::set<std::string> checked = CheckedNames();
  std::set<std::string> seen;
  int outputs = 0;
  for (const DocBlock& block : DocBlocks()) {
    INFO(block.file << ":" << block.line
                    << ": a ```text block needs <!-- output: NAME --> (what firedrill prints, "
                       "with a test calling CheckDocOutput(\"NAME\", ...)) or <!-- not-output: "
                       "REASON --> on the line above it");
    REQUIRE_FALSE(block.annotation.empty());
    if (block.annotation != "output") continue;
    ++outputs;
    INFO("output " << block.name);
    CHECK(seen.insert(block.name).second);
    CHECK(checked.count(block.name) == 1);
  }
  // The docs quote many outputs; finding none means the extraction broke.
  CHECK(outputs > 15);
}

}  // namespace firedrill
