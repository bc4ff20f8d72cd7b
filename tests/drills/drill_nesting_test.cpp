// Drill texts that nest absurdly deep (table headers and dotted keys of tens of thousands of
// parts, arrays and inline tables inside each other) or are simply huge: the loader must answer
// with a located error, never crash or hang.
#include <catch2/catch.hpp>
#include <string>

#include "tests/drills/test_drill.h"

using namespace firedrill;
using namespace firedrill::testing;

namespace {

// "a.a.a…" with `parts` parts.
std::string DottedKey(std::size_t parts) {
  std::string key = "a";
  key.reserve(parts * 2);
  for (std::size_t i = 1; i < parts; ++i) key += ".a";
  return key;
}

// `open` repeated `depth` times, then "1", then `close` repeated `depth` times.
std::string Nested(const std::string& open, const std::string& close, std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += open;
  s += "1";
  for (std::size_t i = 0; i < depth; ++i) s += close;
  return s;
}

// The text after the valid drill's last line, so errors are at a known line (48).
LoadResult LoadWithTail(const std::string& tail) { return LoadText(kValidDrill + tail); }

void RequireOneNestingError(const LoadResult& r, const std::string& position) {
  INFO(Diagnosed(r).substr(0, 2000));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK_THAT(r.diagnostics[0].ToString(), Catch::StartsWith(position));
  CHECK_THAT(r.diagnostics[0].message, Catch::Contains("too deeply nested"));
}

}  // namespace

TEST_CASE("a table header of 35,000 parts is a located error, not a crash", "[drills][hostile]") {
  RequireOneNestingError(LoadWithTail("\n[" + DottedKey(35'000) + "]\nx = 1\n"), "drill.toml:48:");
  RequireOneNestingError(LoadWithTail("\n[[" + DottedKey(35'000) + "]]\n"), "drill.toml:48:");
}

TEST_CASE("a dotted key of 35,000 parts is a located error, not a crash", "[drills][hostile]") {
  RequireOneNestingError(LoadWithTail("\n" + DottedKey(35'000) + " = 1\n"), "drill.toml:48:");
  // Spaces and quoted parts are still parts.
  std::string spaced = "\"a\"";
  for (int i = 0; i < 35'000; ++i) spaced += " . 'b'";
  RequireOneNestingError(LoadWithTail("\n" + spaced + " = 1\n"), "drill.toml:48:");
}

TEST_CASE("a key that fills a whole 1 MiB file is a located error", "[drills][hostile]") {
  std::string text = DottedKey(kMaxDrillFileBytes / 2 - 4) + "=1";
  REQUIRE(text.size() <= kMaxDrillFileBytes);
  RequireOneNestingError(LoadText(text), "drill.toml:1:");
}

TEST_CASE("arrays and inline tables nested very deep are located errors", "[drills][hostile]") {
  RequireOneNestingError(LoadWithTail("\nx = " + Nested("[", "]", 100'000) + "\n"),
                         "drill.toml:48:");
  RequireOneNestingError(LoadWithTail("\nx = " + Nested("{b=", "}", 100'000) + "\n"),
                         "drill.toml:48:");
  RequireOneNestingError(LoadWithTail("\nx = " + Nested("[{b.c=", "}]", 20'000) + "\n"),
                         "drill.toml:48:");
  // Under a header, inside an array of tables, in an inline table in an array.
  RequireOneNestingError(
      LoadWithTail("\n[[faults]]\nkind = \"cpu.stress\"\ntarget = " + Nested("[", "]", 300) + "\n"),
      "drill.toml:50:");
}

TEST_CASE("dots and brackets inside strings and comments are not nesting", "[drills][hostile]") {
  std::string deep_looking = DottedKey(20'000) + Nested("[", "]", 1'000);
  std::string text = ReplaceOnce(kValidDrill, "title = \"Checkout loses its database\"",
                                 "title = \"" + deep_looking + "\" # " + deep_looking);
  text = ReplaceOnce(text, "[objectives]",
                     "hypothesis = '''\n" + deep_looking + "\n'''\n[objectives]");
  LoadResult r = LoadText(text);
  INFO(Diagnosed(r).substr(0, 2000));
  CHECK(r.ok());
}

TEST_CASE("a 1 MiB file of thousands of tables is read in full", "[drills][hostile]") {
  std::string text = kValidDrill;
  for (int i = 0; text.size() < kMaxDrillFileBytes - 100; ++i) {
    text += "[[guards]]\nname = \"g" + std::to_string(i) + "\"\nkind = \"alert\"\nmatch = {}\n";
  }
  LoadResult r = LoadText(text);
  INFO(Diagnosed(r).substr(0, 2000));
  CHECK(r.ok());
}

TEST_CASE("a file with tens of thousands of problems reports the first hundred and a count",
          "[drills][hostile]") {
  std::string text = kValidDrill;
  int keys = 0;
  for (; text.size() < kMaxDrillFileBytes - 100; ++keys) {
    text += "[targets.t" + std::to_string(keys) + "]\nlocal = false\n";
  }
  LoadResult r = LoadText(text);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.diagnostics.size() == 101);
  CHECK_THAT(r.diagnostics.back().message,
             Catch::Contains(std::to_string(keys - 100) + " more problems"));
}
