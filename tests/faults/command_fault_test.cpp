#include "faults/command_fault.h"

#include <catch2/catch.hpp>

#include "tests/faults/test_params.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

TEST_CASE("command: the inject command and defaults", "[faults]") {
  auto r = Build("command", Values().Str("inject", "systemctl stop pgbouncer", 11));
  REQUIRE(r.errors.empty());
  const auto* p = As<CommandParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->inject == "systemctl stop pgbouncer");
  CHECK_FALSE(p->check.has_value());
  CHECK(p->shell == "/bin/sh");
  CHECK(p->timeout == 30s);
  CHECK(p->Describe() == "run \"systemctl stop pgbouncer\"");
}

TEST_CASE("command: every parameter set", "[faults]") {
  auto r = Build("command", Values()
                                .Str("inject", "touch drill-flag\nsleep 1", 11)
                                .Str("check", "test -e drill-flag", 13)
                                .Str("shell", "/bin/bash", 14)
                                .Dur("timeout", 5s, 15));
  const auto* p = As<CommandParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->check == "test -e drill-flag");
  CHECK(p->shell == "/bin/bash");
  CHECK(p->timeout == 5s);
  // Multi-line commands are shown by their first line.
  CHECK(p->Describe() == "run \"touch drill-flag...\" (check: \"test -e drill-flag\")");
}

TEST_CASE("command: long commands are shortened in the description", "[faults]") {
  auto r = Build("command", Values().Str("inject", std::string(100, 'x'), 11));
  REQUIRE(r.params != nullptr);
  CHECK(r.params->Describe() == "run \"" + std::string(60, 'x') + "...\"");
}

TEST_CASE("command: its restore is the common restore key, not a parameter", "[faults]") {
  for (const ParamSpec& p : CommandSpec().params) {
    CHECK(p.name != "restore");
  }
}

TEST_CASE("command: missing, empty and zero values are reported where they are", "[faults]") {
  auto missing = Build("command", Values().Str("check", "true", 11));
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].where->line == kFaultLine);
  CHECK_THAT(missing.errors[0].message, Catch::Contains("missing required parameter inject"));

  auto bad = Build("command", Values()
                                  .Str("inject", "", 11)
                                  .Str("check", "", 13)
                                  .Str("shell", "", 14)
                                  .Dur("timeout", 0s, 15));
  REQUIRE(bad.errors.size() == 4);
  CHECK(bad.errors[0].where->line == 11);
  CHECK(bad.errors[0].ToString() == "drill.toml:11:3: inject must not be empty");
  CHECK(bad.errors[1].where->line == 13);
  CHECK(bad.errors[2].where->line == 14);
  CHECK(bad.errors[3].where->line == 15);
  CHECK_THAT(bad.errors[3].message, Catch::Contains("timeout must be greater than 0s"));
}
