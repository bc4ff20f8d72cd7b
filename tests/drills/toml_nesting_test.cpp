// The nesting guard in front of the TOML parser, on its own: where the limit is, what counts as
// a level, and that strings, comments and valid files never trip it.
#include "drills/toml_nesting.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

using namespace firedrill;

namespace {

std::string Parts(int n, const std::string& part = "a", const std::string& dot = ".") {
  std::string s = part;
  for (int i = 1; i < n; ++i) s += dot + part;
  return s;
}

std::optional<Error> Check(const std::string& text) { return CheckTomlNesting(text, "f.toml"); }

}  // namespace

TEST_CASE("a table header may have 16 parts, not 17", "[drills][nesting]") {
  CHECK_FALSE(Check("[" + Parts(16) + "]\n"));
  std::optional<Error> e = Check("x = 1\n\n[" + Parts(17) + "]\n");
  REQUIRE(e);
  CHECK(e->ToString() ==
        "f.toml:3:34: too deeply nested: this table header is more than 16 "
        "levels deep (each part of a dotted key or table name is a level, and so "
        "is each array and inline table); a drill file needs no more than 4");
  // An array of tables adds a level of its own.
  CHECK_FALSE(Check("[[" + Parts(15) + "]]\n"));
  CHECK(Check("[[" + Parts(16) + "]]\n"));
}

TEST_CASE("keys count from the table their header opened", "[drills][nesting]") {
  CHECK_FALSE(Check("[" + Parts(10) + "]\n" + Parts(6) + " = 1\n"));
  CHECK(Check("[" + Parts(10) + "]\n" + Parts(7) + " = 1\n"));
  // A new header starts again from the root.
  CHECK_FALSE(Check("[" + Parts(10) + "]\n[b]\n" + Parts(15) + " = 1\n"));
  // Spaces, tabs and quoted parts are parts too.
  CHECK(Check(Parts(17, "'q'", " .\t") + " = 1\n"));
  CHECK(Check(Parts(17, "\"a\\\"b\"", ".") + " = 1\n"));
  CHECK_FALSE(Check("\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s\" = 1\n"));
}

TEST_CASE("arrays and inline tables are levels, across lines and commas", "[drills][nesting]") {
  CHECK_FALSE(Check("x = " + std::string(15, '[') + "1" + std::string(15, ']') + "\n"));
  CHECK(Check("x = " + std::string(16, '[') + "1" + std::string(16, ']') + "\n"));
  // The second element is the deep one; the array spans lines and holds comments.
  std::optional<Error> e =
      Check("x = [\n  1, # one\n  " + std::string(15, '[') + "2" + std::string(15, ']') + "\n]\n");
  REQUIRE(e);
  CHECK(e->where->line == 3);
  CHECK(e->where->column == 17);
  CHECK_THAT(e->message, Catch::Contains("this array"));
  // Inline tables: the table and each key part inside it.
  CHECK_FALSE(Check("a = {b = {c = {d = {e = {f = {g = {h = 1}}}}}}}\n"));  // 15
  CHECK(Check("a = {b = {c = {d = {e = {f = {g = {h = {i = 1}}}}}}}}\n"));
  CHECK(Check("a = {b = 1, c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 2}\n"));
  CHECK_FALSE(Check("a = [{b = 1}, {c = [1, 2]}, []]\nb = {}\n"));
}

TEST_CASE("strings and comments are not structure", "[drills][nesting]") {
  const std::string deep = Parts(40) + std::string(40, '[') + std::string(40, '{');
  CHECK_FALSE(Check("a = \"" + deep + "\"\n"));
  CHECK_FALSE(Check("a = '" + deep + "'\n"));
  CHECK_FALSE(Check("a = \"\"\"\n" + deep + "\n\"x\" \"\" \\\"\"\"\n\"\"\"\n"));
  CHECK_FALSE(Check("a = '''\n" + deep + "\n'' '''\n"));
  CHECK_FALSE(Check("# " + deep + "\na = 1 # " + deep + "\n"));
  CHECK_FALSE(Check("a = \"\\\"" + deep + "\"\n"));
  // Up to two quotes before the closing three belong to the string.
  CHECK_FALSE(Check("a = \"\"\"x\"\"\"\"\"\nb = 1\n"));
  // After the string, structure counts again.
  CHECK(Check("a = \"[[[[\"\n" + Parts(17) + " = 1\n"));
}

TEST_CASE("every example drill passes the guard", "[drills][nesting]") {
  namespace fs = std::filesystem;
  int count = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(FIREDRILL_SOURCE_DIR) / "drills" / "examples")) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    INFO(entry.path());
    CHECK_FALSE(CheckTomlNesting(text.str(), entry.path().string()));
    ++count;
  }
  CHECK(count >= 4);
}

TEST_CASE("text that is not TOML is scanned to the end without hanging", "[drills][nesting]") {
  std::mt19937 rng(42);
  const std::string alphabet = "[]{}.,=\"'#\n\r\t ab1\\";
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<std::size_t>(rng() % 300), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    (void)Check(s);
  }
  CHECK_FALSE(Check("a = \"unterminated\n" + Parts(40) + " = 1\n"));  // the parser stops there too
  CHECK_FALSE(Check(""));
  CHECK_FALSE(Check("]]]]}}}},,,==="));
}
