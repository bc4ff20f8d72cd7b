// Discovery, describe -> catalog -> drill loading, and PluginFault over a toy shell plugin that
// "injects" by creating a flag file.
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
using namespace std::chrono_literals;

namespace {

// A plugin with one kind, toy.flag: inject creates $FIREDRILL_PARAM_FILE, restore removes it.
// Its state records whether the file existed before ("prior") and inject adds "injected".
const char kToyPlugin[] = R"(#!/bin/sh
cat >/dev/null
f="$FIREDRILL_PARAM_FILE"
case "$FIREDRILL_ACTION" in
describe)
  cat <<'EOF'
{"ok":true,"kinds":[{"name":"toy.flag","summary":"create a flag file",
 "params":[{"name":"file","type":"string","required":true,"help":"the flag file"},
           {"name":"count","type":"integer","default":3,"help":"how many"},
           {"name":"wait","type":"duration","default":"5s"}],
 "default_restore_timeout":"7s","manual":"rm -f FILE"}]}
EOF
  ;;
validate)
  if [ -e "$f" ]; then echo '{"ok":false,"message":"flag already there"}'; exit 0; fi
  echo '{"ok":true,"state":{"prior":"absent"}}' ;;
inject)
  echo "$FIREDRILL_PARAM_COUNT $FIREDRILL_PARAM_WAIT_MS $FIREDRILL_STATE" >"$f"
  echo '{"ok":true,"state":{"injected":true}}' ;;
check)
  if [ -e "$f" ]; then echo '{"ok":true,"in_place":true}'; else echo '{"ok":true,"in_place":false}'; fi ;;
restore)
  rm -f "$f"
  echo "$FIREDRILL_STATE" >"$f.restored"
  echo '{"ok":true}' ;;
*) echo '{"ok":false,"message":"unknown action"}' ;;
esac
)";

const char kDrill[] = R"(id = "toy-drill"
title = "Toy"
service = "toy"
owner = "lead@example.com"
playbook = "https://wiki.example.com/toy"

[window]
start = 2027-03-04T10:00:00
end = 2027-03-04T11:00:00
zone = "Europe/Copenhagen"

[announce]
attendees = ["alice@example.com"]

[[participants]]
name = "alice@example.com"
role = "incident-commander"

[targets.here]
local = true

[[faults]]
id = "flag"
kind = "toy.flag"
target = "here"
file = "FLAGFILE"
COUNT_LINE
)";

std::string ToyDrill(const std::string& file, const std::string& count_line) {
  std::string text = kDrill;
  text.replace(text.find("FLAGFILE"), 8, file);
  text.replace(text.find("COUNT_LINE"), 10, count_line);
  return text;
}

using firedrill::testing::AllErrors;

}  // namespace

TEST_CASE("plugin registry: discovery finds executables, first name on the path wins",
          "[plugins]") {
  TempDir a;
  TempDir b;
  WritePlugin(a.path(), "firedrill-plugin-toy", kToyPlugin);
  WritePlugin(b.path(), "firedrill-plugin-toy", "#!/bin/sh\nexit 1\n");
  WritePlugin(b.path(), "other", "#!/bin/sh\nexit 1\n");
  WritePlugin(b.path(), "README.txt", "not a plugin");
  std::filesystem::permissions(b.path() / "README.txt", std::filesystem::perms::owner_read);
  const std::vector<std::string> found =
      FindPluginExecutables({a.path().string(), "/nonexistent-dir", b.path().string()});
  REQUIRE(found.size() == 2);
  CHECK(found[0] == (a.path() / "firedrill-plugin-toy").string());
  CHECK(found[1] == (b.path() / "other").string());
}

TEST_CASE("plugin registry: describe becomes catalog kinds the loader checks", "[plugins]") {
  TempDir dir;
  WritePlugin(dir.path(), "firedrill-plugin-toy", kToyPlugin);
  WritePlugin(dir.path(), "firedrill-plugin-broken", "#!/bin/sh\necho nonsense\n");
  WritePlugin(dir.path(), "firedrill-plugin-clash", R"(#!/bin/sh
echo '{"ok":true,"kinds":[{"name":"process.kill","summary":"clash"}]}'
)");
  PluginCatalog catalog = LoadPluginCatalog({dir.path().string()});
  REQUIRE(catalog.plugins().size() == 3);
  const PluginInfo& broken = catalog.plugins()[0];
  CHECK(broken.name == "broken");
  CHECK_FALSE(broken.ok);
  CHECK(broken.error.find("plugin broken describe: response is not JSON") != std::string::npos);
  const PluginInfo& clash = catalog.plugins()[1];
  CHECK(clash.ok);
  REQUIRE(clash.warnings.size() == 1);
  CHECK(clash.warnings[0].find("process.kill") != std::string::npos);
  REQUIRE(catalog.Find("toy.flag") != nullptr);
  REQUIRE(catalog.Find("process.kill") != nullptr);
  CHECK(catalog.FindPluginKind("process.kill") == nullptr);
  const PluginKind* toy = catalog.FindPluginKind("toy.flag");
  REQUIRE(toy != nullptr);
  CHECK(toy->default_restore_timeout == 7s);
  CHECK(catalog.Find("toy.flag")->params.size() == 3);

  SECTION("a good fault loads, with defaults filled in") {
    LoadResult r = LoadDrillText(ToyDrill("/tmp/x", "count = 5"), "toy.toml", catalog);
    INFO(AllErrors(r));
    REQUIRE(r.ok());
    const auto* params = dynamic_cast<const PluginParams*>(r.drill->faults[0].params.get());
    REQUIRE(params != nullptr);
    CHECK(params->values().at("count").as_int64() == 5);
    CHECK(params->values().at("wait").as_string() == "5s");
    CHECK(params->Describe() == "plugin toy: count=5, file=/tmp/x, wait=5s");
  }
  SECTION("a wrong parameter type is an error at its place") {
    LoadResult r = LoadDrillText(ToyDrill("/tmp/x", "count = \"many\""), "toy.toml", catalog);
    REQUIRE_FALSE(r.ok());
    const std::string errors = AllErrors(r);
    INFO(errors);
    CHECK(errors.find("toy.toml:27:9:") != std::string::npos);
    CHECK(errors.find("count") != std::string::npos);
  }
  SECTION("an unknown parameter is an error") {
    LoadResult r = LoadDrillText(ToyDrill("/tmp/x", "colour = 1"), "toy.toml", catalog);
    REQUIRE_FALSE(r.ok());
    CHECK(AllErrors(r).find("colour") != std::string::npos);
  }
}

TEST_CASE("plugin fault: prepare, inject, check and restore run the plugin", "[plugins]") {
  TempDir dir;
  WritePlugin(dir.path(), "firedrill-plugin-toy", kToyPlugin);
  PluginCatalog catalog = LoadPluginCatalog({dir.path().string()});
  const std::string flag = (dir.path() / "flag").string();
  LoadResult r = LoadDrillText(ToyDrill(flag, ""), "toy.toml", catalog);
  INFO(AllErrors(r));
  REQUIRE(r.ok());
  const FaultSpec& spec = r.drill->faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  REQUIRE(fault != nullptr);
  LocalRunner runner;
  FaultContext ctx{spec, runner, "toy-drill"};

  Expected<std::string> prior = RunBlocking(fault->Prepare(ctx));
  REQUIRE(prior.ok());
  CHECK(*prior == R"({"prior":"absent"})");
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, *prior));
  REQUIRE(state.ok());
  CHECK(*state == R"({"prior":"absent","injected":true})");
  CHECK(ReadFile(flag) == "3 5000 {\"prior\":\"absent\"}\n");
  Expected<bool> in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK(*in_place);
  Expected<std::string> again = RunBlocking(fault->Prepare(ctx));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message == "plugin toy validate: refused: flag already there");

  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(ReadFile(flag + ".restored") == "{\"prior\":\"absent\",\"injected\":true}\n");
  in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK_FALSE(*in_place);
  // After a crash between inject and recording, restore gets null.
  REQUIRE(RunBlocking(fault->Restore(ctx, "null")).ok());
  CHECK(ReadFile(flag + ".restored") == "null\n");
  const std::string manual = fault->ManualRestore(ctx, *state);
  CHECK(manual.find("rm -f FILE") != std::string::npos);
  CHECK(manual.find("firedrill-plugin-toy") != std::string::npos);

  SECTION("the manual restore command really restores (a dead man's switch runs it)") {
    REQUIRE(RunBlocking(fault->Inject(ctx, *state)).ok());
    REQUIRE(std::filesystem::exists(flag));
    Expected<CommandResult> ran = RunBlocking(runner.Run(manual, std::chrono::seconds(10)));
    REQUIRE(ran.ok());
    INFO(ran->out << ran->err);
    CHECK(ran->exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(flag));
    CHECK(ReadFile(flag + ".restored") == "{\"prior\":\"absent\",\"injected\":true}\n");
  }
}

TEST_CASE("plugin fault: state merging keeps the prior state", "[plugins]") {
  using boost::json::value;
  CHECK(boost::json::serialize(MergePluginState(boost::json::parse(R"({"a":1,"b":2})"),
                                                boost::json::parse(R"({"b":3,"c":4})"))) ==
        R"({"a":1,"b":3,"c":4})");
  CHECK(MergePluginState(boost::json::parse(R"({"a":1})"), value()).as_object().size() == 1);
  CHECK(MergePluginState(value(), boost::json::parse("7")).as_int64() == 7);
}
