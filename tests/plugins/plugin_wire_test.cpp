// What a real plugin executable receives and what firedrill prints about it: numbers as people
// write them (2, 2.5, never 2E0) in the JSON request and in FIREDRILL_PARAM_*, the fault's state
// under FIREDRILL_FAULT_STATE (and the deprecated FIREDRILL_STATE), and the kind's `manual` text
// with its placeholders filled in.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "drills/drill_loader.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "plugins/plugin_fault.h"
#include "plugins/plugin_registry.h"
#include "tests/plugins/plugin_test_support.h"
#include "tests/support/drill_load.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
namespace fs = std::filesystem;

namespace {

// Kind wire.rec: every action but describe writes the request it read on stdin to
// $FIREDRILL_PARAM_FILE.ACTION.json and the variables it got to $FIREDRILL_PARAM_FILE.ACTION.env.
const char kWirePlugin[] = R"(#!/bin/sh
req=$(cat)
f="$FIREDRILL_PARAM_FILE"
case "$FIREDRILL_ACTION" in
describe)
  cat <<'EOF'
{"ok":true,"kinds":[{"name":"wire.rec","summary":"records what it is sent",
 "params":[{"name":"file","type":"string","required":true},
           {"name":"n","type":"integer","required":true},
           {"name":"ratio","type":"number"},
           {"name":"whole","type":"number"},
           {"name":"share","type":"number","default":0.25},
           {"name":"tags","type":"string-list"},
           {"name":"unset","type":"string"}],
 "manual":"touch {file}.by-hand; rm -f {file}.flag # n={n} ratio={ratio} tags={tags} token={state.token}\nunset={unset} {other} {not a placeholder} HOST {}"}]}
EOF
  exit 0 ;;
esac
printf '%s' "$req" >"$f.$FIREDRILL_ACTION.json"
{
  echo "N=$FIREDRILL_PARAM_N"
  echo "RATIO=$FIREDRILL_PARAM_RATIO"
  echo "WHOLE=$FIREDRILL_PARAM_WHOLE"
  echo "SHARE=$FIREDRILL_PARAM_SHARE"
  echo "FAULT_STATE=${FIREDRILL_FAULT_STATE-unset}"
  echo "STATE=${FIREDRILL_STATE-unset}"
} >"$f.$FIREDRILL_ACTION.env"
case "$FIREDRILL_ACTION" in
inject) touch "$f.flag"; echo '{"ok":true,"state":{"token":"t-1","big":1e20,"half":0.5}}' ;;
check) if [ -e "$f.flag" ]; then echo '{"ok":true,"in_place":true}'; else echo '{"ok":true,"in_place":false}'; fi ;;
restore) rm -f "$f.flag"; echo '{"ok":true}' ;;
*) echo '{"ok":true}' ;;
esac
)";

using firedrill::testing::AllErrors;

// A catalog with the wire plugin, and a drill with one wire.rec fault writing next to `base`.
struct WireFixture {
  TempDir dir;
  std::string base = (dir.path() / "rec").string();
  PluginCatalog catalog;
  LoadResult loaded;

  explicit WireFixture(const std::string& params)
      : catalog((WritePlugin(dir.path(), "firedrill-plugin-wire", kWirePlugin),
                 LoadPluginCatalog({dir.path().string()}))),
        loaded(LoadDrillText(DrillWithFault("wire.rec", "file = \"" + base + "\"\n" + params),
                             "wire.toml", catalog)) {}
};

}  // namespace

TEST_CASE("plugin wire: numbers arrive as written in the request and the environment",
          "[plugins]") {
  WireFixture fx("n = 2\nratio = 2.5\nwhole = 3\ntags = [\"a\", \"b\"]");
  INFO(AllErrors(fx.loaded));
  REQUIRE(fx.loaded.ok());
  const FaultSpec& spec = fx.loaded.drill->faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  REQUIRE(fault != nullptr);
  LocalRunner runner;
  FaultContext ctx{spec, runner, "plugin-drill"};
  REQUIRE(RunBlocking(fault->Prepare(ctx)).ok());

  const std::string request = ReadFile(fx.base + ".validate.json");
  INFO(request);
  CHECK_THAT(request, Catch::Contains(R"("n":2,)") || Catch::Contains(R"("n":2})"));
  CHECK_THAT(request, Catch::Contains(R"("ratio":2.5)"));
  CHECK_THAT(request, Catch::Contains(R"("whole":3)"));
  CHECK_THAT(request, Catch::Contains(R"("share":0.25)"));
  CHECK_THAT(request, !Catch::Contains("E0") && !Catch::Contains("E-"));
  const std::string env = ReadFile(fx.base + ".validate.env");
  CHECK_THAT(env, Catch::Contains("N=2\n") && Catch::Contains("RATIO=2.5\n") &&
                      Catch::Contains("WHOLE=3\n") && Catch::Contains("SHARE=0.25\n"));

  // A state holding numbers comes back as written too.
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, "null"));
  REQUIRE(state.ok());
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  const std::string restore = ReadFile(fx.base + ".restore.json");
  CHECK_THAT(restore, Catch::Contains(R"("big":1e+20)") && Catch::Contains(R"("half":0.5)"));
}

TEST_CASE("plugin wire: the fault's state arrives as FIREDRILL_FAULT_STATE", "[plugins]") {
  WireFixture fx("n = 1");
  INFO(AllErrors(fx.loaded));
  REQUIRE(fx.loaded.ok());
  const FaultSpec& spec = fx.loaded.drill->faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, "plugin-drill"};
  REQUIRE(RunBlocking(fault->Restore(ctx, R"({"token":"t-9"})")).ok());
  const std::string env = ReadFile(fx.base + ".restore.env");
  INFO(env);
  CHECK_THAT(env, Catch::Contains("FAULT_STATE={\"token\":\"t-9\"}\n"));
  // The deprecated name still carries it, for plugins written before the rename.
  CHECK_THAT(env, Catch::Contains("\nSTATE={\"token\":\"t-9\"}\n"));
}

TEST_CASE("plugin wire: the manual text is filled in from the parameters and the state",
          "[plugins]") {
  WireFixture fx("n = 2\nratio = 2.5\ntags = [\"a\", \"b\"]");
  INFO(AllErrors(fx.loaded));
  REQUIRE(fx.loaded.ok());
  const FaultSpec& spec = fx.loaded.drill->faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, "plugin-drill"};
  const std::string manual = fault->ManualRestore(ctx, R"({"token":"t-1"})");
  INFO(manual);
  // Placeholders with a value are filled; one without (unset), unknown names, text that is not a
  // placeholder and bare words stay as written.
  CHECK_THAT(manual, Catch::Contains("#   touch " + fx.base + ".by-hand; rm -f " + fx.base +
                                     ".flag # n=2 ratio=2.5 tags=a,b token=t-1\n"));
  CHECK_THAT(manual, Catch::Contains("#   unset={unset} {other} {not a placeholder} HOST {}\n"));

  SECTION("a dead man's switch running the text runs only the plugin's restore") {
    REQUIRE(RunBlocking(fault->InjectAndCapture(ctx, "null")).ok());
    REQUIRE(fs::exists(fx.base + ".flag"));
    fs::remove(fx.base + ".restore.json");
    Expected<CommandResult> ran = RunBlocking(runner.Run(manual, std::chrono::seconds(10)));
    REQUIRE(ran.ok());
    INFO(ran->out << ran->err);
    CHECK(ran->exit_code == 0);
    CHECK_FALSE(fs::exists(fx.base + ".flag"));
    CHECK_FALSE(fs::exists(fx.base + ".by-hand"));
    CHECK_THAT(ReadFile(fx.base + ".restore.json"), Catch::Contains(R"("token":"t-1")"));
  }
}
