// `firedrill plugins list` and `firedrill plugins test` against real plugin executables (tiny
// sh scripts in a temp directory, found with --dir): what list shows of a kind, why it found
// nothing, the JSON of test, and the exit statuses its help documents.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using Run = testing::CliResult;
using testing::Cli;

void Write(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path) << text;
  fs::permissions(path, perms);
}

constexpr fs::perms kExecutable = fs::perms::owner_all;
constexpr fs::perms kNotExecutable = fs::perms::owner_read | fs::perms::owner_write;

// Kind toy.flag: inject creates $FIREDRILL_PARAM_FILE (after $FIREDRILL_PARAM_PAUSE seconds),
// restore removes it; with broken=true check always says "not in place". Snapshot: whether the
// file exists.
const char kToyPlugin[] = R"(#!/bin/sh
cat >/dev/null
f="$FIREDRILL_PARAM_FILE"
case "$FIREDRILL_ACTION" in
describe)
  cat <<'EOF'
{"ok":true,"kinds":[{"name":"toy.flag","summary":"create a flag file",
 "default_restore_timeout":"7s","snapshot":true,"manual":"rm -f {file}",
 "params":[{"name":"file","type":"string","required":true,"help":"the flag file"},
           {"name":"mode","type":"string","default":"soft","one_of":["soft","hard"]},
           {"name":"count","type":"integer","default":3,"min":1,"max":10},
           {"name":"pause","type":"number","default":0},
           {"name":"broken","type":"boolean","default":false}]}]}
EOF
  ;;
validate) echo '{"ok":true,"state":null}' ;;
inject)
  sleep "$FIREDRILL_PARAM_PAUSE"
  touch "$f"
  echo '{"ok":true,"state":{"made":true}}' ;;
check)
  if [ -e "$f" ] && [ "$FIREDRILL_PARAM_BROKEN" = false ]; then
    echo '{"ok":true,"in_place":true}'
  else
    echo '{"ok":true,"in_place":false}'
  fi ;;
restore) rm -f "$f"; echo '{"ok":true}' ;;
snapshot) if [ -e "$f" ]; then echo '{"ok":true,"snapshot":"flag"}'; else echo '{"ok":true,"snapshot":"none"}'; fi ;;
*) echo '{"ok":false,"message":"unknown action"}' ;;
esac
)";

// The "Exit status" paragraph of a command's help.
std::string ExitStatusHelp(const std::string& command) {
  for (const Command& c : Commands()) {
    if (c.name == command) return c.help.substr(c.help.find("Exit status"));
  }
  return "";
}

}  // namespace

TEST_CASE("plugins list shows one_of and restore timeout and snapshot of each kind", "[cli]") {
  TempDir tmp;
  Write(tmp.path() / "firedrill-plugin-toy", kToyPlugin, kExecutable);

  Run text = Cli({"plugins", "list", "--dir", tmp.path().string()});
  INFO(text.out << text.err);
  CHECK(text.status == kExitOk);
  CHECK_THAT(text.out, Catch::Contains("restore timeout 7s; snapshot: yes"));
  CHECK_THAT(text.out, Catch::Contains("by hand: rm -f {file}"));
  CHECK_THAT(text.out, Catch::Contains("mode               string, one of soft|hard"));
  CHECK_THAT(text.out, Catch::Contains("count              integer, 1..10"));

  Run js = Cli({"plugins", "list", "--json", "--dir", tmp.path().string()});
  REQUIRE(js.status == kExitOk);
  const json::value doc = json::parse(js.out);
  const json::object& kind = doc.at("plugins").at(0).at("kinds").at(0).as_object();
  CHECK(kind.at("default_restore_timeout") == "7s");
  CHECK(kind.at("snapshot") == true);
  CHECK(kind.at("manual") == "rm -f {file}");
  const json::array& params = kind.at("params").as_array();
  REQUIRE(params.size() == 5);
  CHECK(params[1].at("one_of") == json::array{"soft", "hard"});
  CHECK(params[1].at("default") == "soft");
  CHECK(params[2].at("min").to_number<double>() == 1);
  CHECK(params[2].at("max").to_number<double>() == 10);
  CHECK(params[0].at("min").is_null());
  CHECK(doc.at("skipped").as_array().empty());
}

TEST_CASE("plugins list says why it found no plugin and names the path", "[cli]") {
  TempDir tmp;
  SECTION("a plugin file that is not executable") {
    const fs::path plugin = tmp.path() / "firedrill-plugin-toy";
    Write(plugin, kToyPlugin, kNotExecutable);
    if (::access(plugin.c_str(), X_OK) == 0) {
      WARN("skipped: this user may execute any file (root without the execute bits checked)");
      return;
    }
    Run r = Cli({"plugins", "list", "--dir", tmp.path().string()});
    INFO(r.out << r.err);
    CHECK(r.status == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("No plugins found."));
    CHECK_THAT(r.out, Catch::Contains(plugin.string() + ": not executable (chmod +x to use it)"));
    Run js = Cli({"plugins", "list", "--json", "--dir", tmp.path().string()});
    const json::value doc = json::parse(js.out);
    REQUIRE(doc.at("skipped").as_array().size() == 1);
    CHECK(doc.at("skipped").at(0).at("path").as_string() == plugin.string());

    // plugins test names the same reason.
    Run t = Cli({"plugins", "test", "toy", "--kind", "toy.flag", "--dir", tmp.path().string()});
    CHECK(t.status == kExitNotFound);
    CHECK_THAT(t.err, Catch::Contains(plugin.string() + ": not executable"));
  }
  SECTION("a --dir that does not exist") {
    const fs::path missing = tmp.path() / "no-such-dir";
    Run r = Cli({"plugins", "list", "--dir", missing.string()});
    INFO(r.out << r.err);
    CHECK(r.status == kExitFailure);
    CHECK_THAT(r.out, Catch::Contains(missing.string() + ": no such directory"));
  }
}

TEST_CASE("plugins test --json prints each step with its result and timing", "[cli]") {
  TempDir tmp;
  Write(tmp.path() / "firedrill-plugin-toy", kToyPlugin, kExecutable);
  const std::string flag = (tmp.path() / "flag").string();

  Run ok = Cli({"plugins", "test", "toy", "--kind", "toy.flag", "--json", "--dir",
                tmp.path().string(), "file=" + flag, "pause=0.3"});
  INFO(ok.out << ok.err);
  CHECK(ok.status == kExitOk);
  const json::value doc = json::parse(ok.out);  // stdout is the JSON document alone
  CHECK(doc.at("plugin") == "toy");
  CHECK(doc.at("kind") == "toy.flag");
  CHECK(doc.at("target") == "local");
  CHECK(doc.at("passed") == true);
  const json::array& steps = doc.at("steps").as_array();
  std::vector<std::string> names;
  std::int64_t sum = 0;
  for (const json::value& s : steps) {
    names.emplace_back(s.at("name").as_string());
    CHECK(s.at("ok") == true);
    CHECK(s.at("detail").is_string());
    sum += s.at("elapsed_ms").as_int64();
  }
  CHECK(names == std::vector<std::string>{"snapshot before", "prepare (validate)", "inject",
                                          "check: in place", "restore", "check: not in place",
                                          "restore again (idempotent)", "snapshot after",
                                          "snapshot unchanged"});
  // The inject waited 0.3 s: its step shows it, and the whole run is at least the sum.
  CHECK(steps[2].at("elapsed_ms").as_int64() >= 300);
  CHECK(doc.at("elapsed_ms").as_int64() >= sum);
  CHECK_FALSE(fs::exists(flag));

  Run failed = Cli({"plugins", "test", "toy", "--kind", "toy.flag", "--json", "--dir",
                    tmp.path().string(), "file=" + flag, "broken=true"});
  CHECK(failed.status == kExitFailure);
  const json::value bad = json::parse(failed.out);
  CHECK(bad.at("passed") == false);
  CHECK(bad.at("steps").at(3).at("name") == "check: in place");
  CHECK(bad.at("steps").at(3).at("ok") == false);

  // The text form times each step too.
  Run text = Cli({"plugins", "test", "toy", "--kind", "toy.flag", "--dir", tmp.path().string(),
                  "file=" + flag});
  CHECK(text.status == kExitOk);
  CHECK_THAT(text.out, Catch::Contains(" ms  ") && Catch::Contains("PASSED in "));
}

TEST_CASE("plugins test exits with the statuses its help documents", "[cli]") {
  TempDir tmp;
  Write(tmp.path() / "firedrill-plugin-toy", kToyPlugin, kExecutable);
  Write(tmp.path() / "firedrill-plugin-mute", "#!/bin/sh\ncat >/dev/null\nexit 0\n", kExecutable);
  const std::string dir = tmp.path().string();
  const std::string flag = "file=" + (tmp.path() / "flag").string();
  const std::string help = ExitStatusHelp("plugins test");
  INFO(help);
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string documented;  // the help's words for that status
  };
  const std::vector<Case> cases = {
      {{"toy", "--kind", "toy.flag", flag}, kExitOk, "0 when every step passed"},
      {{"toy", "--kind", "toy.flag", flag, "broken=true"}, kExitFailure, "1 when a step failed"},
      {{"mute", "--kind", "mute.x"}, kExitFailure, "the plugin's describe\nfailed"},
      {{"toy", flag}, kExitUsage, "2 for wrong usage"},
      {{"toy", "--kind", "toy.flag", "file"}, kExitUsage, "2 for wrong usage"},
      {{"toy", "--kind", "toy.flag", flag, "count=99"},
       kExitInvalidDrill,
       "3 when a parameter does not\nfit the kind's schema"},
      {{"toy", "--kind", "toy.flag", flag, "colour=red"},
       kExitInvalidDrill,
       "3 when a parameter does not\nfit the kind's schema"},
      {{"nobody", "--kind", "toy.flag"}, kExitNotFound, "7 when there is no such plugin or kind"},
      {{"toy", "--kind", "toy.nothing", flag},
       kExitNotFound,
       "7 when there is no such plugin or kind"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"plugins", "test"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--dir", dir});
    Run r = Cli(args);
    INFO(fmt::format("{}", fmt::join(args, " ")) << "\n" << r.out << r.err);
    CHECK(r.status == c.status);
    CHECK_THAT(help, Catch::Contains(c.documented));
    // Every failure says why: a failed step in the report on stdout, the rest on stderr.
    if (c.status != kExitOk)
      CHECK((!r.err.empty() || r.out.find("FAILED in") != std::string::npos));
  }
}
