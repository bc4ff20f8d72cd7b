#include "drills/drill_loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "tests/drills/test_drill.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace std::chrono_literals;
using testing::Diagnosed;
using testing::kValidDrill;
using testing::LoadText;
using testing::ReplaceOnce;

TEST_CASE("a complete drill loads into typed structs", "[drills]") {
  LoadResult r = LoadText(kValidDrill);
  INFO(Diagnosed(r));
  REQUIRE(r.ok());
  const Drill& d = *r.drill;
  CHECK(d.id == "checkout-db-blackhole");
  CHECK(d.window.zone == "Europe/Copenhagen");
  // 10:00 in Copenhagen in March (before DST starts) is 09:00 UTC.
  CHECK(FormatUtc(d.window.start) == "2027-03-04T09:00:00.000Z");
  CHECK(d.objectives.detect_within == 5min);
  REQUIRE(d.faults.size() == 1);
  CHECK(d.faults[0].id == "network.block-1");
  CHECK(d.faults[0].params != nullptr);
  CHECK(d.faults[0].restore_timeout > 0ms);
  CHECK(d.targets.at("db").is_local());
  CHECK(d.detection.match.at("service") == "checkout");
  CHECK(d.guards.at(0).max_red == 30min);
}

TEST_CASE("every problem is reported with its line and column, not just the first", "[drills]") {
  std::string text = ReplaceOnce(kValidDrill, "port = 5432\nmode", "port = \"5432\"\nmode");
  text = ReplaceOnce(text, "detect_within = \"5m\"", "detect_witin = \"5m\"");
  text = ReplaceOnce(text, "zone = \"Europe/Copenhagen\"", "zone = \"Europe/Copenhagn\"");
  LoadResult r = LoadText(text);
  REQUIRE_FALSE(r.ok());
  std::string all = Diagnosed(r);
  INFO(all);
  CHECK(r.diagnostics.size() == 3);
  CHECK_THAT(all, Catch::Contains("drill.toml:8:1: [objectives]: unknown key \"detect_witin\" "
                                  "(did you mean \"detect_within\"?)"));
  CHECK_THAT(all, Catch::Contains("drill.toml:14:8: [window]: unknown time zone"));
  CHECK_THAT(all, Catch::Contains("\"port\" must be an integer, found a string"));
  // In the order of the file.
  for (std::size_t i = 1; i < r.diagnostics.size(); ++i) {
    REQUIRE(r.diagnostics[i].where);
    CHECK(r.diagnostics[i - 1].where->line <= r.diagnostics[i].where->line);
  }
}

TEST_CASE("problems come in the order of the file, whichever check found them", "[drills]") {
  // The port is a key problem found while loading; the window's end a cross-key problem found
  // afterwards, although it is earlier in the file.
  std::string text = ReplaceOnce(kValidDrill, "port = 5432\nmode", "port = \"5432\"\nmode");
  text = ReplaceOnce(text, "end = 2027-03-04T11:00:00", "end = 2027-03-04T09:00:00");
  LoadResult r = LoadText(text);
  INFO(Diagnosed(r));
  REQUIRE(r.diagnostics.size() == 2);
  CHECK_THAT(r.diagnostics[0].message, Catch::Contains("[window]: end"));
  CHECK_THAT(r.diagnostics[1].message, Catch::Contains("\"port\" must be an integer"));
}

TEST_CASE("a fault's problems name the fault by its id", "[drills]") {
  std::string text = ReplaceOnce(kValidDrill, "kind = \"network.block\"",
                                 "id = \"db-block\"\nkind = \"network.block\"");
  LoadResult r = LoadText(ReplaceOnce(text, "port = 5432\nmode", "port = \"5432\"\nmode"));
  INFO(Diagnosed(r));
  CHECK_THAT(Diagnosed(r), Catch::Contains("fault db-block (network.block): \"port\""));
}

TEST_CASE("unknown top-level keys are errors with a suggestion", "[drills]") {
  LoadResult r = LoadText(ReplaceOnce(kValidDrill, "service = ", "servce = \"x\"\nservice = "));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("unknown key \"servce\" (did you mean \"service\"?)"));
}

TEST_CASE("fault parameters are checked by the kind's own schema", "[drills]") {
  SECTION("unknown parameter") {
    LoadResult r =
        LoadText(ReplaceOnce(kValidDrill, "mode = \"reject\"", "mode = \"reject\"\nprot = 1"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("not a parameter of network.block"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("did you mean \"port\"?"));
  }
  SECTION("value outside its set") {
    LoadResult r = LoadText(ReplaceOnce(kValidDrill, "mode = \"reject\"", "mode = \"rejekt\""));
    CHECK_THAT(Diagnosed(r), Catch::Contains("must be one of"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("did you mean \"reject\"?"));
  }
  SECTION("unknown kind") {
    LoadResult r =
        LoadText(ReplaceOnce(kValidDrill, "kind = \"network.block\"", "kind = \"network.blok\""));
    CHECK_THAT(Diagnosed(r), Catch::Contains("unknown fault kind \"network.blok\" (did you mean "
                                             "\"network.block\"?)"));
  }
  SECTION("a command fault without restore") {
    std::string text = ReplaceOnce(kValidDrill, "kind = \"network.block\"",
                                   "kind = \"command\"\ninject = \"true\"");
    text = ReplaceOnce(text, "port = 5432\nmode = \"reject\"", "");
    LoadResult r = LoadText(text);
    CHECK_THAT(Diagnosed(r),
               Catch::Contains("fault #1 (command): missing required key \"restore\""));
  }
  SECTION("a combination the kind refuses is prefixed with the fault") {
    LoadResult r = LoadText(
        ReplaceOnce(kValidDrill, "mode = \"reject\"", "mode = \"reject\"\nprobability = 0.0"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("fault #1 (network.block): "));
  }
  SECTION("missing required parameter") {
    LoadResult r = LoadText(ReplaceOnce(kValidDrill, "port = 5432\nmode", "mode"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("missing required key \"port\""));
  }
}

TEST_CASE("references between sections must resolve", "[drills]") {
  std::string text = ReplaceOnce(kValidDrill, "kind = \"network.block\"\ntarget = \"db\"",
                                 "kind = \"network.block\"\ntarget = \"dbb\"");
  text = ReplaceOnce(text, "probe = \"db-port\"", "probe = \"db-prt\"");
  LoadResult r = LoadText(text);
  std::string all = Diagnosed(r);
  INFO(all);
  CHECK_THAT(all, Catch::Contains("target \"dbb\" is not defined (did you mean \"db\"?)"));
  CHECK_THAT(all, Catch::Contains("probe \"db-prt\" is not defined (did you mean \"db-port\"?)"));
}

TEST_CASE("impossible windows are refused", "[drills]") {
  SECTION("end before start") {
    LoadResult r = LoadText(
        ReplaceOnce(kValidDrill, "end = 2027-03-04T11:00:00", "end = 2027-03-04T09:00:00"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("is not after start"));
  }
  SECTION("too short for the restore budget") {
    LoadResult r = LoadText(
        ReplaceOnce(kValidDrill, "end = 2027-03-04T11:00:00", "end = 2027-03-04T10:00:05"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("too short"));
  }
  SECTION("a time in the spring-forward gap") {
    // Copenhagen skips 02:00-03:00 on 2027-03-28.
    LoadResult r = LoadText(
        ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = 2027-03-28T02:30:00"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("does not exist in Europe/Copenhagen"));
  }
  SECTION("an ambiguous fall-back time asks for the offset form") {
    LoadResult r = LoadText(
        ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = 2027-10-31T02:30:00"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("happens twice"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("+02:00"));
  }
  SECTION("a quoted date-time") {
    LoadResult r =
        LoadText(ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = \"2027-03-04\""));
    CHECK_THAT(Diagnosed(r), Catch::Contains("write date-times without quotes"));
  }
  SECTION("overlapping a blackout") {
    LoadResult r =
        LoadText(kValidDrill +
                 "\n[[blackouts]]\nname = \"release freeze\"\nstart = 2027-03-01T00:00:00\n"
                 "end = 2027-03-08T00:00:00\n");
    CHECK_THAT(Diagnosed(r), Catch::Contains("overlaps blackout \"release freeze\""));
  }
}

TEST_CASE("a window may cross midnight with a bare end time, across DST", "[drills]") {
  // New York leaves DST on 2027-11-07 at 02:00: the night is one hour longer.
  std::string text =
      ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = 2027-11-06T23:00:00");
  text = ReplaceOnce(text, "end = 2027-03-04T11:00:00", "end = 03:00:00");
  text = ReplaceOnce(text, "zone = \"Europe/Copenhagen\"", "zone = \"America/New_York\"");
  LoadResult r = LoadText(text);
  INFO(Diagnosed(r));
  REQUIRE(r.ok());
  CHECK(r.drill->window.end - r.drill->window.start == 5h);
}

TEST_CASE("offset date-times need no zone arithmetic", "[drills]") {
  LoadResult r = LoadText(
      ReplaceOnce(kValidDrill, "start = 2027-03-04T10:00:00", "start = 2027-03-04T10:00:00+01:00"));
  REQUIRE(r.ok());
  CHECK(FormatUtc(r.drill->window.start) == "2027-03-04T09:00:00.000Z");
}

TEST_CASE("malformed TOML is reported at the parser's position", "[drills]") {
  LoadResult r = LoadText("id = \"x\"\ntitle = \n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK_THAT(r.diagnostics[0].ToString(), Catch::StartsWith("drill.toml:2:"));
  CHECK_THAT(r.diagnostics[0].message, Catch::StartsWith("invalid TOML"));
}

TEST_CASE("duplicate ids and names are refused", "[drills]") {
  std::string text = kValidDrill +
                     "\n[[probes]]\nname = \"db-port\"\nkind = \"tcp\"\ntarget = \"db\"\n"
                     "port = 5433\n";
  CHECK_THAT(Diagnosed(LoadText(text)),
             Catch::Contains("probe name \"db-port\" is defined more than "
                             "once"));
}

TEST_CASE("targets are either local or ssh, never both or neither", "[drills]") {
  CHECK_THAT(
      Diagnosed(LoadText(ReplaceOnce(kValidDrill, "local = true", "local = true\nhost = \"h\""))),
      Catch::Contains("not both"));
  CHECK_THAT(Diagnosed(LoadText(ReplaceOnce(kValidDrill, "local = true", "port = 22"))),
             Catch::Contains("say where it is"));
  LoadResult ssh = LoadText(ReplaceOnce(
      kValidDrill, "local = true",
      "host = \"10.0.0.5\"\nuser = \"drill\"\nidentity = \"~/.ssh/id_ed25519\"\nport = 2222"));
  INFO(Diagnosed(ssh));
  REQUIRE(ssh.ok());
  const auto& t = std::get<SshTarget>(ssh.drill->targets.at("db").where);
  CHECK(t.port == 2222);
  CHECK(t.known_hosts == "~/.ssh/known_hosts");
}

TEST_CASE("files that are not drill files are refused with the path named", "[drills]") {
  namespace fs = std::filesystem;
  firedrill::testing::TempDir tmp;
  const fs::path& dir = tmp.path();
  CHECK_THAT(Diagnosed(LoadDrillFile((dir / "missing.toml").string(), BuiltinFaults())),
             Catch::Contains("missing.toml: cannot read drill file"));
  CHECK_THAT(Diagnosed(LoadDrillFile(dir.string(), BuiltinFaults())),
             Catch::Contains("is a directory"));
  {
    std::ofstream f(dir / "random.bin", std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>((i * 7919 + 13) % 256));
  }
  LoadResult r = LoadDrillFile((dir / "random.bin").string(), BuiltinFaults());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains("random.bin"));
}

TEST_CASE("every example drill in the repository is valid", "[drills][examples]") {
  namespace fs = std::filesystem;
  int count = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(FIREDRILL_SOURCE_DIR) / "drills" / "examples")) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    LoadResult r = LoadDrillFile(entry.path().string(), BuiltinFaults());
    INFO(entry.path().string() << "\n" << Diagnosed(r));
    CHECK(r.ok());
  }
  CHECK(count >= 4);
}

TEST_CASE("a fault on a list of targets fans out to one fault per target", "[drills]") {
  std::string text = ReplaceOnce(kValidDrill, "[targets.db]\nlocal = true\n",
                                 "[targets.db]\nlocal = true\n[targets.db2]\nlocal = true\n");
  SECTION("one fault per target, sharing the group, with its policy") {
    std::string fanned = ReplaceOnce(text, "kind = \"network.block\"\ntarget = \"db\"",
                                     "id = \"block\"\nkind = \"network.block\"\n"
                                     "target = [\"db\", \"db2\"]\nparallel = 1\n"
                                     "on_partial = \"continue\"");
    LoadResult r = LoadText(fanned);
    INFO(Diagnosed(r));
    REQUIRE(r.ok());
    REQUIRE(r.drill->faults.size() == 2);
    CHECK(r.drill->faults[0].id == "block@db");
    CHECK(r.drill->faults[1].id == "block@db2");
    CHECK(r.drill->faults[1].target == "db2");
    CHECK(r.drill->faults[0].group == "block");
    CHECK(r.drill->faults[1].group == "block");
    CHECK(r.drill->faults[1].parallel == 1);
    CHECK(r.drill->faults[1].on_partial == PartialPolicy::kContinue);
  }
  SECTION("a single target keeps its id and rolls back by default") {
    LoadResult r = LoadText(text);
    REQUIRE(r.ok());
    CHECK(r.drill->faults[0].group == r.drill->faults[0].id);
    CHECK(r.drill->faults[0].on_partial == PartialPolicy::kRollback);
  }
  SECTION("every listed target must exist, and the policy is one of two") {
    std::string bad = ReplaceOnce(text, "kind = \"network.block\"\ntarget = \"db\"",
                                  "kind = \"network.block\"\ntarget = [\"db\", \"dbx\"]\n"
                                  "on_partial = \"ignore\"");
    LoadResult r = LoadText(bad);
    CHECK_THAT(Diagnosed(r), Catch::Contains("\"dbx\""));
    CHECK_THAT(Diagnosed(r), Catch::Contains("must be one of"));
  }
  SECTION("an empty list is an error") {
    LoadResult r = LoadText(ReplaceOnce(text, "target = \"db\"\nport", "target = []\nport"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("lists no target"));
  }
}

TEST_CASE("a probe on a list of targets fans out to one probe per target", "[drills]") {
  std::string text = ReplaceOnce(kValidDrill, "[targets.db]\nlocal = true\n",
                                 "[targets.db]\nlocal = true\n[targets.db2]\nlocal = true\n");
  SECTION("one probe per target; a guard naming the probe watches every share") {
    LoadResult r = LoadText(ReplaceOnce(text, "kind = \"tcp\"\ntarget = \"db\"",
                                        "kind = \"tcp\"\ntarget = [\"db\", \"db2\"]"));
    INFO(Diagnosed(r));
    REQUIRE(r.ok());
    REQUIRE(r.drill->probes.size() == 2);
    CHECK(r.drill->probes[0].name == "db-port@db");
    CHECK(r.drill->probes[1].name == "db-port@db2");
    CHECK(r.drill->probes[1].target == "db2");
    CHECK(r.drill->probes[1].port == 5432);
    REQUIRE(r.drill->guards.size() == 1);
    CHECK(WatchesProbe(r.drill->guards[0].probe, "db-port@db2"));
    CHECK_FALSE(WatchesProbe(r.drill->guards[0].probe, "db-port2"));
    CHECK_FALSE(WatchesProbe(r.drill->guards[0].probe, "db-por"));
  }
  SECTION("every listed target must exist") {
    LoadResult r = LoadText(ReplaceOnce(text, "kind = \"tcp\"\ntarget = \"db\"",
                                        "kind = \"tcp\"\ntarget = [\"db\", \"nope\"]"));
    CHECK_THAT(Diagnosed(r), Catch::Contains("\"nope\""));
  }
  SECTION("a guard may name one share; a guard naming no probe of the drill is an error") {
    std::string fanned = ReplaceOnce(text, "kind = \"tcp\"\ntarget = \"db\"",
                                     "kind = \"tcp\"\ntarget = [\"db\", \"db2\"]");
    LoadResult r = LoadText(ReplaceOnce(fanned, "probe = \"db-port\"", "probe = \"db-port@db\""));
    INFO(Diagnosed(r));
    CHECK(r.ok());
    LoadResult bad = LoadText(ReplaceOnce(fanned, "probe = \"db-port\"", "probe = \"db\""));
    CHECK_THAT(Diagnosed(bad), Catch::Contains("probe \"db\" is not defined"));
  }
}
