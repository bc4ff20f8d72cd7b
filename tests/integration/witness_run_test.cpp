// The checkpoints that `firedrill run` and `firedrill serve` sign after each drill reach the
// operator's witnesses (the list named by FIREDRILL_WITNESSES, inherited by the real binary), and
// `records verify --witness` reads them back.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/witness_list.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/scoped_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

using namespace firedrill;
using firedrill::testing::EventKinds;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::ScopedEnv;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using firedrill::testing::ReadFile;

std::size_t LineCount(const fs::path& file) {
  std::string text = ReadFile(file);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A drill "w" whose fault creates `marker`, opening `open_in` from now for about `active`.
fs::path WriteWitnessedDrill(const fs::path& dir, const fs::path& marker, Duration open_in,
                             Duration active) {
  fs::path file = dir / "w.toml";
  SysTime start = NowUtc() + open_in;
  SysTime end = start + active + std::chrono::seconds(1);
  std::ofstream out(file);
  out << "id = \"w\"\ntitle = \"witnessed\"\nservice = \"svc\"\nowner = \"lead@example.com\"\n"
      << "playbook = \"runbook.md\"\n[window]\nstart = " << FormatUtc(start)
      << "\nend = " << FormatUtc(end) << "\nzone = \"UTC\"\ngrace = \"20s\"\n"
      << "[announce]\nlead = \"0s\"\n[targets.here]\nlocal = true\n"
      << "[[faults]]\nid = \"marker\"\nkind = \"command\"\ntarget = \"here\"\n"
      << "inject = \"touch '" << marker.string() << "'\"\n"
      << "check = \"test -f '" << marker.string() << "'\"\n"
      << "restore = \"rm -f '" << marker.string() << "'\"\nrestore_timeout = \"1s\"\n";
  return file;
}

// The operator's witness list, outside the state directory, naming one witness file.
struct WitnessSetup {
  explicit WitnessSetup(const fs::path& dir)
      : file(dir / "audit" / "checkpoints.jsonl"), list(dir / "witnesses") {
    fs::create_directories(file.parent_path());
    std::ofstream(list) << "origin e2e\nfile " << file.string() << "\n";
  }
  fs::path file;
  fs::path list;
};

int CliInNewDir(const fs::path& dir, std::vector<std::string> args, std::string* out) {
  fs::create_directories(dir);
  Firedrill fd(dir, std::move(args));
  int status = fd.Wait();
  *out = fd.Output();
  return status;
}

}  // namespace

TEST_CASE("run publishes the checkpoint it signs after the drill to the witnesses", "[e2e]") {
  TempDir tmp;
  WitnessSetup witness(tmp.path());
  ScopedEnv env(std::string(kWitnessListEnv), witness.list.string());
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "in-place";
  // A window that only the test ends (SIGTERM once the fault is in place), whatever the load.
  fs::path drill = WriteWitnessedDrill(tmp.path(), marker, 300ms, 120s);
  fs::create_directories(tmp.path() / "run");
  Firedrill run(tmp.path() / "run", {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return fs::exists(marker); }, 20s));
  run.Signal(SIGTERM);
  int status = run.Wait();
  const std::string out = run.Output();
  INFO(out);
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(marker));
  CHECK_THAT(out, Catch::Contains("checkpoint 1 published to file " + witness.file.string()));
  CHECK(LineCount(witness.file) == 1);

  std::string verified;
  CHECK(CliInNewDir(
            tmp.path() / "verify",
            {"records", "verify", "--state", state.string(), "--witness", witness.file.string()},
            &verified) == kExitOk);
  CHECK_THAT(verified, Catch::Contains("ok: the records match all 1 checkpoint witnessed in"));
}

TEST_CASE("serve publishes the checkpoint after each drill from a thread of its own", "[e2e]") {
  TempDir tmp;
  WitnessSetup witness(tmp.path());
  ScopedEnv env(std::string(kWitnessListEnv), witness.list.string());
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "in-place";
  // A window that only the test ends (an abort once the fault is in place), whatever the load:
  // the subject is the publishing after a drill, not the window.
  fs::path drill = WriteWitnessedDrill(tmp.path(), marker, 1s, 120s);
  std::string out;
  // On a loaded machine `schedule` may end after the window opened: a late announcement, which
  // this test is not about.
  REQUIRE(CliInNewDir(tmp.path() / "schedule",
                      {"schedule", "--state", state.string(), "--override-lead",
                       "a test drill opens seconds after it is written", drill.string()},
                      &out) == kExitOk);
  fs::create_directories(tmp.path() / "serve");
  Firedrill serve(tmp.path() / "serve", {"serve", "--state", state.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "w"), "fault-injected"); }, 30s));
  std::string aborted;
  CHECK(CliInNewDir(
            tmp.path() / "abort",
            {"abort", "--state", state.string(), "--drill", "w", "--reason", "the test is over"},
            &aborted) == kExitOk);
  INFO(aborted);
  // The run ends (restored at once), then the witness gets its checkpoint.
  bool published = Eventually([&] { return LineCount(witness.file) == 1; }, 30s);
  INFO(serve.Output());
  CHECK(published);
  CHECK(Eventually(
      [&] { return serve.Output().find("checkpoint 1 published to file") != std::string::npos; },
      10s));
  CHECK_FALSE(fs::exists(marker));
  // The run's end is written (and flushed) before its checkpoint is signed.
  CHECK(Has(EventKinds(state, "w"), "run-ended"));
  // Publishing happens off the daemon's loop: it still answers.
  std::string listed;
  CHECK(CliInNewDir(tmp.path() / "list", {"list", "--state", state.string()}, &listed) == kExitOk);
  serve.Signal(SIGTERM);
  CHECK(serve.Wait() == kExitOk);

  std::string verified;
  CHECK(CliInNewDir(
            tmp.path() / "verify",
            {"records", "verify", "--state", state.string(), "--witness", witness.file.string()},
            &verified) == kExitOk);
  CHECK_THAT(verified, Catch::Contains("ok: the records match all 1 checkpoint witnessed in"));
}
