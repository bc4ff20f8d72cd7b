// How diagnostics show values from a file: short, on one line, harmless to a terminal.
#include "drills/quoted.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace firedrill;

TEST_CASE("a short plain value is shown as it is", "[drills][quoted]") {
  CHECK(Quoted("checkout") == "\"checkout\"");
  CHECK(Shown("") == "");
  CHECK(Shown("Åse Ødegård 🐣") == "Åse Ødegård 🐣");
}

TEST_CASE("a long value is cut to 60 characters and its size", "[drills][quoted]") {
  const std::string big(1'000'000, 'x');
  CHECK(Quoted(big) == "\"" + std::string(60, 'x') + "… (1000000 bytes)\"");
  CHECK(Shown(std::string(60, 'y')) == std::string(60, 'y'));
  CHECK(Shown(std::string(300, 'z'), 300) == std::string(300, 'z'));
  CHECK(Shown(std::string(301, 'z'), 300) == std::string(300, 'z') + "… (301 bytes)");
  // Characters, not bytes: 61 two-byte characters are cut after the 60th, never inside one.
  std::string wide;
  for (int i = 0; i < 61; ++i) wide += "æ";
  std::string sixty;
  for (int i = 0; i < 60; ++i) sixty += "æ";
  CHECK(Shown(wide) == sixty + "… (122 bytes)");
}

TEST_CASE("control characters, quotes and stray bytes are escaped", "[drills][quoted]") {
  CHECK(Shown(std::string("a\0b", 3)) == "a\\u0000b");
  CHECK(Shown("\x1b[2J\t\r\n\x7f") == "\\u001b[2J\\t\\r\\n\\u007f");
  CHECK(Shown("say \"hi\" \\o/") == "say \\\"hi\\\" \\\\o/");
  CHECK(Shown("c1:\xc2\x9b"
              "31m") == "c1:\\u009b31m");
  CHECK(Shown("bad:\xff\xc3") == "bad:\\xff\\xc3");
}

TEST_CASE("Truncated cuts long text at a character boundary and says how long it was",
          "[drills][quoted]") {
  CHECK(Truncated("short", 10) == "short");
  CHECK(Truncated("ææææ", 3) == "æ… (8 bytes)");
  CHECK(Truncated(std::string(2000, 'm'), 1000) == std::string(1000, 'm') + "… (2000 bytes)");
}

TEST_CASE("a list shows 20 names and how many more", "[drills][quoted]") {
  std::vector<std::string> names;
  for (int i = 0; i < 25; ++i) names.push_back("t" + std::to_string(i));
  std::string shown = ShownList(names);
  CHECK_THAT(shown, Catch::StartsWith("t0, t1, t2"));
  CHECK_THAT(shown, Catch::EndsWith("t19 and 5 more"));
  CHECK(ShownList({"a", "b\nc"}) == "a, b\\nc");
  CHECK(ShownList({}).empty());
}
