// Form bodies and query strings as browsers write them.
#include "orchestrator/control/form_fields.h"

#include <catch2/catch.hpp>

namespace firedrill {
namespace {

TEST_CASE("form fields decode percent escapes and plus as a space") {
  auto fields = ParseFormFields("a=1&b=x+y%21&c&note=%E2%80%AE%3Cscript%3E&a=2");
  REQUIRE(fields.ok());
  CHECK(fields->at("a") == "2");  // the last of a repeated name counts
  CHECK(fields->at("b") == "x y!");
  CHECK(fields->at("c").empty());
  CHECK(fields->at("note") == "\u202E<script>");
  CHECK(fields->size() == 4);
}

TEST_CASE("form fields of an empty text are none") {
  auto fields = ParseFormFields("");
  REQUIRE(fields.ok());
  CHECK(fields->empty());
}

TEST_CASE("form fields refuse a malformed escape and invalid UTF-8 naming the field") {
  auto bad_escape = ParseFormFields("reason=%zz");
  REQUIRE_FALSE(bad_escape.ok());
  CHECK_THAT(bad_escape.error().message, Catch::Contains("reason=%zz"));
  auto bad_utf8 = ParseFormFields("reason=%ff%fe");
  REQUIRE_FALSE(bad_utf8.ok());
  CHECK_THAT(bad_utf8.error().message, Catch::Contains("\"reason\" is not valid UTF-8"));
  auto overlong = ParseFormFields("x=%C0%AF");
  CHECK_FALSE(overlong.ok());
  auto surrogate = ParseFormFields("x=%ED%A0%80");
  CHECK_FALSE(surrogate.ok());
}

TEST_CASE("form encoding round-trips through the parser") {
  std::string value = "Europe/Copenhagen & a b=c+d é";
  CHECK(FormEncode("a-b_c.d~") == "a-b_c.d~");
  auto fields = ParseFormFields("zone=" + FormEncode(value));
  REQUIRE(fields.ok());
  CHECK(fields->at("zone") == value);
}

}  // namespace
}  // namespace firedrill
