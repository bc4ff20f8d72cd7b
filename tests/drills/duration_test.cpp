#include "drills/duration.h"

#include <catch2/catch.hpp>

using namespace firedrill;
using namespace std::chrono_literals;

TEST_CASE("durations parse in drill-file notation", "[drills]") {
  CHECK(ParseDuration("90s").value() == 90s);
  CHECK(ParseDuration("5m").value() == 5min);
  CHECK(ParseDuration("1h30m").value() == 90min);
  CHECK(ParseDuration("2d").value() == 48h);
  CHECK(ParseDuration("250ms").value() == 250ms);
  CHECK(ParseDuration("1m30s250ms").value() == 90250ms);
  CHECK(ParseDuration("0s").value() == 0ms);
}

TEST_CASE("bad durations are refused with the expected form named", "[drills]") {
  for (const char* bad :
       {"", "5", "m", "5x", "-5m", "5m1h", "5m5m", "1.5h", "5 m", "99999999999999999999d"}) {
    auto d = ParseDuration(bad);
    INFO(bad);
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Catch::Contains("expected e.g."));
  }
}

TEST_CASE("a space between a number and its unit is named as the problem", "[drills]") {
  auto d = ParseDuration("5 m");
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().message,
             Catch::Contains("a space is not allowed in a duration (write \"5m\")"));
  CHECK_THAT(ParseDuration("1h 30m").error().message, Catch::Contains("(write \"1h30m\")"));
}

TEST_CASE("durations format back to the same notation", "[drills]") {
  CHECK(FormatDuration(90min) == "1h30m");
  CHECK(FormatDuration(0ms) == "0s");
  CHECK(FormatDuration(250ms) == "250ms");
  CHECK(FormatDuration(ParseDuration("1d2h3m4s5ms").value()) == "1d2h3m4s5ms");
}
