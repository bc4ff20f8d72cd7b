#include <catch2/catch.hpp>
#include <csignal>

#include "faults/process_kill.h"
#include "faults/process_pause.h"
#include "tests/faults/test_params.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

TEST_CASE("process.kill: defaults with a name selector", "[faults]") {
  auto r = Build("process.kill", Values().Str("name", "web", 11));
  REQUIRE(r.errors.empty());
  const auto* p = As<ProcessKillParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->selector.match == ProcessMatch::kName);
  CHECK(p->selector.value == "web");
  CHECK_FALSE(p->selector.all);
  CHECK(p->signal_name == "SIGKILL");
  CHECK(p->signal_number == SIGKILL);
  CHECK_FALSE(p->start_command.has_value());
  CHECK(p->restart_within == 30s);
  CHECK(p->Describe() ==
        "SIGKILL the process named \"web\"; restore: wait up to 30s for a supervisor to "
        "restart it");
}

TEST_CASE("process.kill: every parameter set", "[faults]") {
  auto r = Build("process.kill", Values()
                                     .Str("cmdline", "gunicorn app:web", 11)
                                     .Bool("all", true, 12)
                                     .Str("signal", "SIGTERM", 13)
                                     .Str("start_command", "systemctl start web", 14)
                                     .Dur("restart_within", 1min, 15));
  REQUIRE(r.errors.empty());
  const auto* p = As<ProcessKillParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->selector.match == ProcessMatch::kCmdline);
  CHECK(p->selector.all);
  CHECK(p->signal_number == SIGTERM);
  CHECK(p->start_command == "systemctl start web");
  CHECK(p->restart_within == 1min);
  CHECK(p->Describe() ==
        "SIGTERM every process whose command line contains \"gunicorn app:web\"; restore: run "
        "\"systemctl start web\"");
}

TEST_CASE("process.kill: every signal maps to its number", "[faults]") {
  const std::pair<const char*, int> signals[] = {{"SIGKILL", SIGKILL}, {"SIGTERM", SIGTERM},
                                                 {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT},
                                                 {"SIGHUP", SIGHUP},   {"SIGABRT", SIGABRT}};
  for (const auto& [name, number] : signals) {
    auto r =
        Build("process.kill", Values().Str("pidfile", "/run/web.pid", 11).Str("signal", name, 12));
    INFO(name);
    REQUIRE(As<ProcessKillParams>(r) != nullptr);
    CHECK(As<ProcessKillParams>(r)->signal_number == number);
  }
  auto bad = Build("process.kill", Values().Str("name", "web", 11).Str("signal", "SIGSTOP", 12));
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].where->line == 12);
  CHECK_THAT(bad.errors[0].message, Catch::Contains("\"SIGSTOP\" is not one of SIGKILL"));
}

TEST_CASE("process.kill: the pidfile form describes the file", "[faults]") {
  auto r = Build("process.kill", Values().Str("pidfile", "/run/web.pid", 11));
  REQUIRE(As<ProcessKillParams>(r) != nullptr);
  CHECK(As<ProcessKillParams>(r)->selector.match == ProcessMatch::kPidfile);
  CHECK_THAT(r.params->Describe(),
             Catch::StartsWith("SIGKILL the process in pidfile /run/web.pid"));
}

TEST_CASE("process selectors: exactly one of pidfile, name, cmdline", "[faults]") {
  for (const char* kind : {"process.kill", "process.pause"}) {
    INFO(kind);
    auto none = Build(kind, Values().Bool("all", true, 11));
    REQUIRE(none.errors.size() == 1);
    CHECK(none.errors[0].where->line == kFaultLine);
    CHECK(none.errors[0].where->file == kTestFile);
    CHECK_THAT(none.errors[0].message, Catch::Contains("exactly one of pidfile, name, cmdline"));

    auto two = Build(kind, Values().Str("pidfile", "/run/x.pid", 11).Str("name", "x", 12));
    REQUIRE(two.errors.size() == 1);
    CHECK(two.errors[0].where->line == 12);  // pidfile sorts before name; name is one too many
    CHECK_THAT(two.errors[0].message, Catch::Contains("not pidfile and name"));

    auto three =
        Build(kind, Values().Str("pidfile", "/p", 11).Str("name", "x", 12).Str("cmdline", "y", 13));
    REQUIRE(three.errors.size() == 1);
    CHECK_THAT(three.errors[0].message, Catch::Contains("not pidfile and name and cmdline"));
  }
}

TEST_CASE("process selectors: values that can never match are refused", "[faults]") {
  auto empty = Build("process.pause", Values().Str("cmdline", "", 14));
  REQUIRE(empty.errors.size() == 1);
  CHECK(empty.errors[0].where->line == 14);
  CHECK_THAT(empty.errors[0].message, Catch::Contains("cmdline must not be empty"));

  auto long_name = Build("process.kill", Values().Str("name", "a-very-long-process-name", 15));
  REQUIRE(long_name.errors.size() == 1);
  CHECK(long_name.errors[0].where->line == 15);
  CHECK_THAT(long_name.errors[0].message, Catch::Contains("longer than 15 characters"));
  CHECK(Build("process.kill", Values().Str("name", "redis-server123", 15)).errors.empty());

  auto path = Build("process.kill", Values().Str("name", "/usr/bin/web", 16));
  REQUIRE(path.errors.size() == 1);
  CHECK_THAT(path.errors[0].message, Catch::Contains("contains '/'"));

  auto pidfile_all =
      Build("process.pause", Values().Str("pidfile", "/run/r.pid", 11).Bool("all", true, 17));
  REQUIRE(pidfile_all.errors.size() == 1);
  CHECK(pidfile_all.errors[0].where->line == 17);
  CHECK_THAT(pidfile_all.errors[0].message, Catch::Contains("cannot be combined with pidfile"));
}

TEST_CASE("process.kill: every error is reported, each at its parameter", "[faults]") {
  auto r = Build(
      "process.kill",
      Values().Str("name", "web", 11).Str("start_command", "", 12).Dur("restart_within", 0s, 13));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].where->line == 12);
  CHECK_THAT(r.errors[0].message, Catch::Contains("start_command must not be empty"));
  CHECK(r.errors[1].where->line == 13);
  CHECK(r.errors[1].ToString() == "drill.toml:13:3: restart_within must be greater than 0s");
}

TEST_CASE("process.pause: typed selector and description", "[faults]") {
  auto r = Build("process.pause", Values().Str("name", "redis-server", 11).Bool("all", true, 12));
  REQUIRE(r.errors.empty());
  const auto* p = As<ProcessPauseParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->selector.match == ProcessMatch::kName);
  CHECK(p->selector.value == "redis-server");
  CHECK(p->selector.all);
  CHECK(p->Describe() == "pause (SIGSTOP) every process named \"redis-server\"; restore: SIGCONT");
}
