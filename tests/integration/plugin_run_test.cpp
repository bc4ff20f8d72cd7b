// Whole drills whose fault comes from an external plugin, through the real firedrill binary:
// validate checks it against the plugin's schema, run injects it locally or on an SSH target
// (the plugin copied there), and restore — at window end or after a crash — hands back the state
// the plugin returned at inject.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/doc_output.h"
#include "tests/support/scoped_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_sshd.h"

using namespace firedrill;
using firedrill::testing::EventKinds;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Kind e2e.flag: inject writes a token of its own choosing into the flag file and returns it as
// state; restore writes the state it was handed next to the flag and removes the flag.
const char kPlugin[] = R"(#!/bin/sh
cat >/dev/null
f="$FIREDRILL_PARAM_FILE"
case "$FIREDRILL_ACTION" in
describe)
  echo '{"ok":true,"kinds":[{"name":"e2e.flag","summary":"a flag file",
   "params":[{"name":"file","type":"string","required":true,"help":"the flag"}],
   "default_restore_timeout":"3s","manual":"delete the flag file FILE by hand"}]}' ;;
validate) echo '{"ok":true,"state":{"prior":"absent"}}' ;;
inject)
  token="token-$$"
  echo "$token" >"$f"
  echo "{\"ok\":true,\"state\":{\"token\":\"$token\"}}" ;;
check)
  if [ -e "$f" ]; then echo '{"ok":true,"in_place":true}'; else echo '{"ok":true,"in_place":false}'; fi ;;
restore)
  printf '%s\n' "$FIREDRILL_STATE" >"$f.restored"
  rm -f "$f"
  echo '{"ok":true}' ;;
*) echo '{"ok":false,"message":"unknown action"}' ;;
esac
)";

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// True once the test plugin's inject has written its whole token line into `flag`.
bool TokenWritten(const fs::path& flag) {
  const std::string text = Read(flag);
  return text.rfind("token-", 0) == 0 && text.back() == '\n';
}

// A plugin directory on FIREDRILL_PLUGIN_PATH for this test process and the firedrill children
// it starts (every test case runs in a process of its own).
struct PluginPath {
  explicit PluginPath(const fs::path& dir) {
    fs::create_directories(dir);
    fs::path exe = dir / "firedrill-plugin-e2e";
    std::ofstream(exe) << kPlugin;
    fs::permissions(exe, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    ::setenv("FIREDRILL_PLUGIN_PATH", dir.c_str(), 1);
  }
  ~PluginPath() { ::unsetenv("FIREDRILL_PLUGIN_PATH"); }
};

// A drill with one e2e.flag fault on `fault_target` and a probe on `probe_targets` that is red
// while the flag exists; `targets` is the [targets] TOML. The window opens 300 ms from now.
fs::path WritePluginDrill(const fs::path& dir, const fs::path& flag, const std::string& targets,
                          const std::string& fault_target, const std::string& probe_targets,
                          Duration active, const std::string& param = "file") {
  SysTime start = NowUtc() + 300ms;
  fs::path drill = dir / "plugin.toml";
  std::ofstream(drill) << "id = \"e2e\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                       << "playbook = \"p\"\n[window]\nstart = " << FormatUtc(start)
                       << "\nend = " << FormatUtc(start + active + 3s) << "\nzone = \"UTC\"\n"
                       << "grace = \"10s\"\n"
                       << targets << "[[faults]]\nid = \"flag\"\nkind = \"e2e.flag\"\ntarget = "
                       << fault_target << "\n"
                       << param << " = \"" << flag.string() << "\"\n"
                       << "[[probes]]\nname = \"no-flag\"\nkind = \"command\"\ntarget = "
                       << probe_targets << "\ncommand = \"test ! -e '" << flag.string()
                       << "'\"\ninterval = \"1s\"\ntimeout = \"900ms\"\n";
  return drill;
}

const char kLocal[] = "[targets.here]\nlocal = true\n";

std::string SshTargets(const testing::TestSshd& sshd) {
  return std::string(kLocal) + sshd.TargetToml("remote");
}

}  // namespace

TEST_CASE("validate checks a plugin fault against the plugin's own schema", "[e2e][plugins]") {
  TempDir tmp;
  PluginPath path(tmp.path() / "plugins");
  fs::path flag = tmp.path() / "flag";
  fs::path good = WritePluginDrill(tmp.path(), flag, kLocal, "\"here\"", "\"here\"", 2s);
  Firedrill ok(tmp.path(), {"validate", good.string()});
  int status = ok.Wait();
  INFO(ok.Output());
  CHECK(status == kExitOk);

  fs::path bad =
      WritePluginDrill(tmp.path(), flag, kLocal, "\"here\"", "\"here\"", 2s, "flie");  // typo
  Firedrill refused(tmp.path(), {"validate", bad.string()});
  CHECK(refused.Wait() != kExitOk);
  CHECK_THAT(refused.Output(), Catch::Contains("flie") && Catch::Contains("file"));
}

TEST_CASE("a plugin fault runs a whole drill and restore gets the state inject returned",
          "[e2e][plugins]") {
  TempDir tmp;
  PluginPath path(tmp.path() / "plugins");
  fs::path flag = tmp.path() / "flag";
  fs::path state = tmp.path() / "state";
  // Active for 4 s: under the sanitizers on a loaded machine, preflight and the plugin's inject
  // took longer than a 1.5 s window, and the fault was restored before the test could see it.
  fs::path drill = WritePluginDrill(tmp.path(), flag, kLocal, "\"here\"", "\"here\"", 4s);
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  // The plugin creates the file, then writes its token into it.
  REQUIRE(Eventually([&] { return TokenWritten(flag); }, 10s));
  const std::string token = Read(flag);
  REQUIRE(token.rfind("token-", 0) == 0);
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitOk);
  CHECK_FALSE(fs::exists(flag));
  // What restore was handed: the validate state merged with the inject state.
  const std::string handed = Read(flag.string() + ".restored");
  CHECK_THAT(handed, Catch::Contains(token.substr(0, token.size() - 1)) &&
                         Catch::Contains("\"prior\":\"absent\""));
  CHECK(Has(EventKinds(state), "fault-restored"));
}

TEST_CASE("after a crash, recover restores a plugin fault with the state kept in the ledger",
          "[e2e][plugins]") {
  TempDir tmp;
  PluginPath path(tmp.path() / "plugins");
  fs::path flag = tmp.path() / "flag";
  fs::path state = tmp.path() / "state";
  fs::path drill = WritePluginDrill(tmp.path(), flag, kLocal, "\"here\"", "\"here\"", 60s);
  std::string token;
  {
    Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
    REQUIRE(Eventually([&] { return Has(EventKinds(state), "fault-injected"); }, 10s));
    token = Read(flag);
    fd.Signal(SIGKILL);
    CHECK(fd.Wait() == 128 + SIGKILL);
  }
  REQUIRE(fs::exists(flag));
  Firedrill recover(tmp.path(), {"recover", "--state", state.string()});
  int status = recover.Wait();
  INFO(recover.Output());
  CHECK(status == kExitOk);
  CHECK_FALSE(fs::exists(flag));
  CHECK_THAT(Read(flag.string() + ".restored"), Catch::Contains(token.substr(0, token.size() - 1)));
}

namespace {

// Runs a drill with the e2e.flag plugin fault found on FIREDRILL_PLUGIN_PATH and kills the run
// (SIGKILL) once the fault is in place, leaving it in the ledger. Returns the flag's token line.
std::string InjectAndKill(const fs::path& dir, const fs::path& flag, const fs::path& state) {
  fs::path drill = WritePluginDrill(dir, flag, kLocal, "\"here\"", "\"here\"", 60s);
  Firedrill fd(dir, {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "fault-injected"); }, 10s));
  std::string token = Read(flag);
  fd.Signal(SIGKILL);
  CHECK(fd.Wait() == 128 + SIGKILL);
  return token;
}

// The working directory for one scope.
struct InDirectory {
  explicit InDirectory(const fs::path& dir) : old(fs::current_path()) { fs::current_path(dir); }
  ~InDirectory() { fs::current_path(old); }
  fs::path old;
};

}  // namespace

TEST_CASE(
    "recover from a shell without the run's plugin path restores with the plugin the run used",
    "[e2e][plugins][recover]") {
  TempDir tmp;
  fs::path flag = tmp.path() / "flag";
  fs::path state = tmp.path() / "state";
  std::string token;
  {
    PluginPath path(tmp.path() / "plugins");
    token = InjectAndKill(tmp.path(), flag, state);
  }
  REQUIRE(fs::exists(flag));
  // Another shell: no FIREDRILL_PLUGIN_PATH, another working directory.
  testing::ScopedEnv no_plugins("FIREDRILL_PLUGIN_PATH", "");
  fs::create_directories(tmp.path() / "elsewhere");
  InDirectory elsewhere(tmp.path() / "elsewhere");
  Firedrill recover(tmp.path(), {"recover", "--json", "--state", state.string()});
  int status = recover.Wait();
  INFO(recover.Output());
  CHECK(status == kExitOk);
  CHECK_FALSE(fs::exists(flag));
  CHECK_THAT(Read(flag.string() + ".restored"), Catch::Contains(token.substr(0, token.size() - 1)));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(recover.Output(), ec);
  REQUIRE_FALSE(ec);
  const boost::json::array& faults = v.at("faults").as_array();
  REQUIRE(faults.size() == 1);
  CHECK(faults[0].at("fault").as_string() == "flag");
  CHECK(faults[0].at("restored").as_bool());
  CHECK(faults[0].at("verified").as_bool());
  CHECK(v.at("summary").at("restored").as_int64() == 1);
  CHECK(v.at("summary").at("left_in_place").as_int64() == 0);
}

TEST_CASE(
    "recover without the plugin prints the plugin's manual text and the exact restore command",
    "[e2e][plugins][recover]") {
  TempDir tmp;
  fs::path flag = tmp.path() / "flag";
  fs::path state = tmp.path() / "state";
  {
    PluginPath path(tmp.path() / "plugins");
    InjectAndKill(tmp.path(), flag, state);
  }
  // The plugin is gone (uninstalled since): firedrill cannot restore, a person can.
  fs::remove(tmp.path() / "plugins" / "firedrill-plugin-e2e");
  Firedrill recover(tmp.path(), {"recover", "--state", state.string()});
  int status = recover.Wait();
  std::string out = recover.Output();
  INFO(out);
  CHECK(status == kExitRestoreIncomplete);
  CHECK(fs::exists(flag));
  CHECK_THAT(out, Catch::Contains("delete the flag file FILE by hand"));
  // The exact restore request, with the state the inject returned, piped to the plugin's path.
  CHECK_THAT(out, Catch::Contains("firedrill-plugin-e2e"));
  CHECK_THAT(out, Catch::Contains("\"action\":\"restore\""));
  CHECK_THAT(out, Catch::Contains("token-"));
  CHECK_THAT(out, !Catch::Contains("undo it by hand; the ledger state is"));
  testing::CheckDocOutput("recover-plugin-gone", out,
                          {{"/opt/firedrill/plugins", (tmp.path() / "plugins").string()},
                           {"drill.toml", (tmp.path() / "plugin.toml").string()}});
}

TEST_CASE("a plugin fault on an SSH target: copied there, run there, probes fanned out",
          "[e2e][plugins][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  PluginPath path(tmp.path() / "plugins");
  fs::path flag = tmp.path() / "flag";
  fs::path state = tmp.path() / "state";
  fs::path drill = WritePluginDrill(tmp.path(), flag, SshTargets(sshd), "\"remote\"",
                                    "[\"here\", \"remote\"]", 120s);
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  bool injected = Eventually([&] { return TokenWritten(flag); }, 15s);
  INFO(fd.Output());
  REQUIRE(injected);
  const std::string token = Read(flag);
  // Both targets' shares of the probe see the fault; then the lead ends the drill (SIGTERM), which
  // restores on the remote target, instead of a short window racing a loaded machine.
  REQUIRE(Eventually(
      [&] {
        std::string so_far = fd.Output();
        return so_far.find("probe no-flag@here red") != std::string::npos &&
               so_far.find("probe no-flag@remote red") != std::string::npos;
      },
      20s));
  fd.Signal(SIGTERM);
  int status = fd.Wait();
  const std::string out = fd.Output();
  INFO(out);
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(flag));
  CHECK_THAT(Read(flag.string() + ".restored"), Catch::Contains(token.substr(0, token.size() - 1)));
  auto kinds = EventKinds(state);
  CHECK(Has(kinds, "deadman-armed"));
  CHECK(Has(kinds, "deadman-disarmed"));
  // One probe written with two targets: each target's share has its own state.
  CHECK_THAT(out, Catch::Contains("probe no-flag@here red") &&
                      Catch::Contains("probe no-flag@remote red"));
}
