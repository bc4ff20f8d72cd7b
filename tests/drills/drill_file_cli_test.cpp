// Hostile drill files given to the real firedrill binary: `validate`, `plan` and `run` must end
// with the invalid-drill exit code and a located error, never be killed by a signal or print a
// megabyte back.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "orchestrator/exit_status.h"
#include "tests/drills/test_drill.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/doc_output.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::Firedrill;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;

namespace {

fs::path Write(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

struct Outcome {
  int status;
  std::string output;
};

// Runs `firedrill COMMAND FILE` (with a state directory of its own for `run`).
Outcome Run(const fs::path& dir, const std::string& command, const fs::path& file) {
  std::vector<std::string> args = {command};
  if (command == "run") args.insert(args.end(), {"--state", (dir / "state").string()});
  args.push_back(file.string());
  Firedrill fd(dir, args);
  int status = fd.Wait();
  return {status, fd.Output()};
}

std::string DottedKey(std::size_t parts) {
  std::string key = "a";
  for (std::size_t i = 1; i < parts; ++i) key += ".a";
  return key;
}

}  // namespace

TEST_CASE("validate, plan and run refuse a 35,000-part table header with a located error",
          "[drills][hostile][cli]") {
  TempDir tmp;
  fs::path header = Write(tmp.path(), "header.toml",
                          firedrill::testing::kValidDrill + "\n[" + DottedKey(35'000) + "]\n");
  fs::path dotted = Write(tmp.path(), "dotted.toml",
                          firedrill::testing::kValidDrill + "\n" + DottedKey(35'000) + " = 1\n");
  for (const fs::path& file : {header, dotted}) {
    for (const std::string command : {"validate", "plan", "run"}) {
      INFO(command << " " << file.filename());
      Outcome o = Run(tmp.path(), command, file);
      INFO(o.output.substr(0, 2000));
      CHECK(o.status == kExitInvalidDrill);
      CHECK_THAT(o.output,
                 Catch::Contains(file.string() + ":48:") && Catch::Contains("too deeply nested"));
    }
  }
}

TEST_CASE("validate prints a short error about a 1 MB value", "[drills][hostile][cli]") {
  TempDir tmp;
  fs::path file = Write(tmp.path(), "big.toml",
                        firedrill::testing::ReplaceOnce(
                            firedrill::testing::kValidDrill, "zone = \"Europe/Copenhagen\"",
                            "zone = \"" + std::string(1'000'000, 'z') + "\""));
  Outcome o = Run(tmp.path(), "validate", file);
  INFO(o.output.substr(0, 2000));
  CHECK(o.status == kExitInvalidDrill);
  CHECK_THAT(o.output, Catch::Contains(file.string() + ":14:8: [window]:"));
  CHECK(o.output.size() < 1000);
}

TEST_CASE("plan refuses a NUL in a restore command and a year 0000 window",
          "[drills][hostile][cli]") {
  TempDir tmp;
  fs::path nul = Write(tmp.path(), "nul.toml",
                       firedrill::testing::ReplaceOnce(
                           firedrill::testing::kValidDrill, "mode = \"reject\"",
                           "mode = \"reject\"\nrestore = \"iptables -F\\u0000 && rm -rf /\""));
  Outcome o = Run(tmp.path(), "plan", nul);
  INFO(o.output);
  CHECK(o.status == kExitInvalidDrill);
  CHECK_THAT(o.output,
             Catch::Contains(nul.string() + ":32:11:") && Catch::Contains("a NUL character"));
  fs::path year0 = Write(tmp.path(), "year0.toml",
                         firedrill::testing::ReplaceOnce(
                             firedrill::testing::ReplaceOnce(firedrill::testing::kValidDrill,
                                                             "start = 2027-03-04T10:00:00",
                                                             "start = 0000-01-01T10:00:00"),
                             "end = 2027-03-04T11:00:00", "end = 0000-01-01T11:00:00"));
  Outcome y = Run(tmp.path(), "plan", year0);
  INFO(y.output);
  CHECK(y.status == kExitInvalidDrill);
  CHECK_THAT(y.output, Catch::Contains(year0.string() + ":12:9:"));
  CHECK_THAT(y.output, !Catch::Contains("00-1-"));
}

TEST_CASE("the errors and warnings the docs quote are what validate prints",
          "[drills][cli][docs]") {
  using firedrill::testing::CheckDocOutput;
  using firedrill::testing::kValidDrill;
  using firedrill::testing::ReplaceOnce;
  TempDir tmp;
  fs::path misspelt =
      Write(tmp.path(), "misspelt.toml", ReplaceOnce(kValidDrill, "detect_within", "detect_witin"));
  Outcome o = Run(tmp.path(), "validate", misspelt);
  CHECK(o.status == kExitInvalidDrill);
  CheckDocOutput("unknown-key", o.output, {{"drill.toml", misspelt.string()}});

  fs::path nul = Write(tmp.path(), "nul.toml",
                       ReplaceOnce(kValidDrill, "mode = \"reject\"",
                                   "mode = \"reject\"\nrestore = \"iptables -F\\u0000 -t nat\""));
  o = Run(tmp.path(), "validate", nul);
  CHECK(o.status == kExitInvalidDrill);
  CheckDocOutput("nul-character", o.output, {{"drill.toml", nul.string()}});

  fs::path nested = Write(tmp.path(), "nested.toml", kValidDrill + "\n[" + DottedKey(40) + "]\n");
  o = Run(tmp.path(), "validate", nested);
  CHECK(o.status == kExitInvalidDrill);
  CheckDocOutput("too-deeply-nested", o.output, {{"drill.toml", nested.string()}});

  fs::path nobody =
      Write(tmp.path(), "nobody.toml",
            ReplaceOnce(ReplaceOnce(kValidDrill, "attendees = [\"alice@example.com\"]\n", ""),
                        "name = \"alice@example.com\"", "name = \"alice\""));
  o = Run(tmp.path(), "validate", nobody);
  CHECK(o.status == kExitOk);
  CheckDocOutput("nobody-to-invite", o.output, {{"drill.toml", nobody.string()}});
}
