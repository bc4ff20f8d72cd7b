// Which characters the strings of a drill file may hold, per form.
#include "drills/text_check.h"

#include <catch2/catch.hpp>
#include <string>

using namespace firedrill;

TEST_CASE("text without control characters fits every form", "[drills][text]") {
  for (TextForm form : {TextForm::kLine, TextForm::kMultiLine}) {
    CHECK_FALSE(FindForbiddenCharacter("", form));
    CHECK_FALSE(FindForbiddenCharacter("Åse Ødegård <aase@example.com> 🐣 \xc2\xa0", form));
  }
}

TEST_CASE("tabs and line feeds are text only in commands and prose", "[drills][text]") {
  CHECK_FALSE(FindForbiddenCharacter("if true; then\n\ttrue\nfi\n", TextForm::kMultiLine));
  auto tab = FindForbiddenCharacter("ab\tc", TextForm::kLine);
  REQUIRE(tab);
  CHECK(tab->code == '\t');
  CHECK(tab->character == 3);
  CHECK(tab->Describe() == "holds a tab (\\t) at character 3");
  CHECK(FindForbiddenCharacter("a\n", TextForm::kLine)->Describe() ==
        "holds a line break (\\n) at character 2");
}

TEST_CASE("NUL, carriage return and other controls are refused in every form", "[drills][text]") {
  for (TextForm form : {TextForm::kLine, TextForm::kMultiLine}) {
    auto nul = FindForbiddenCharacter(std::string("rm -f x\0; y", 11), form);
    REQUIRE(nul);
    CHECK(nul->Describe() == "holds a NUL character (\\u0000) at character 8");
    CHECK(FindForbiddenCharacter("a\r\nb", form)->Describe() ==
          "holds a carriage return (\\r) at character 2");
    CHECK(FindForbiddenCharacter("\x1b[2J", form)->code == 0x1b);
    CHECK(FindForbiddenCharacter("x\x7f", form)->code == 0x7f);
    // Characters are counted, not bytes: the C1 control is the fourth character.
    auto c1 = FindForbiddenCharacter("æøå\xc2\x85", form);
    REQUIRE(c1);
    CHECK(c1->code == 0x85);
    CHECK(c1->character == 4);
  }
}
