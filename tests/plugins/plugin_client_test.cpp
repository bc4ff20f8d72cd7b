// The plugin protocol client against tiny shell-script plugins written into a temp dir: good
// answers, and every way a plugin can fail (crash, hang, non-JSON, oversized, ok:false).
#include "plugins/plugin_client.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "tests/plugins/plugin_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

PluginRequest Request(PluginAction action) {
  PluginRequest r;
  r.action = action;
  r.drill_id = "drill-1";
  r.fault_id = "f1";
  r.kind = "toy.flag";
  r.target = "local";
  r.params = boost::json::object{{"name", "x y"}, {"wait", "2s"}};
  return r;
}

}  // namespace

TEST_CASE("plugin client: a good plugin gets the request on stdin and env", "[plugins]") {
  TempDir dir;
  const std::string path = WritePlugin(dir.path(), "firedrill-plugin-echo", R"(#!/bin/sh
req=$(cat)
echo "stderr note" >&2
printf '{"ok":true,"message":"%s|%s|%s","state":{"seen":%s}}' \
  "$FIREDRILL_ACTION" "$FIREDRILL_PARAM_NAME" "$FIREDRILL_PARAM_WAIT_MS" "$req"
)");
  LocalRunner runner;
  PluginClient client(runner, PluginNameOf(path), path);
  CHECK(client.name() == "echo");
  Expected<PluginResponse> r = RunBlocking(client.Call(Request(PluginAction::kInject), 10s));
  REQUIRE(r.ok());
  CHECK(r->ok);
  CHECK(r->message == "inject|x y|2000");
  CHECK(r->stderr_text.find("stderr note") != std::string::npos);
  const boost::json::object& seen = r->state.as_object().at("seen").as_object();
  CHECK(seen.at("protocol").as_int64() == 1);
  CHECK(seen.at("action").as_string() == "inject");
  CHECK(seen.at("fault").as_object().at("kind").as_string() == "toy.flag");
  CHECK(seen.at("drill").as_object().at("id").as_string() == "drill-1");
  CHECK(seen.at("state").is_null());
}

TEST_CASE("plugin client: a crashing plugin is an error with its stderr", "[plugins]") {
  TempDir dir;
  const std::string path = WritePlugin(dir.path(), "firedrill-plugin-crash",
                                       "#!/bin/sh\necho 'boom: no such table' >&2\nexit 3\n");
  LocalRunner runner;
  PluginClient client(runner, "crash", path);
  Expected<PluginResponse> r = RunBlocking(client.Call(Request(PluginAction::kRestore), 10s));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("plugin crash restore") != std::string::npos);
  CHECK(r.error().message.find("exited 3") != std::string::npos);
  CHECK(r.error().message.find("boom: no such table") != std::string::npos);
}

TEST_CASE("plugin client: a missing plugin executable is an error naming it", "[plugins]") {
  TempDir dir;
  LocalRunner runner;
  const std::string path = (dir.path() / "firedrill-plugin-gone").string();
  PluginClient client(runner, "gone", path);
  Expected<PluginResponse> r = RunBlocking(client.Call(Request(PluginAction::kDescribe), 10s));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("plugin gone describe") != std::string::npos);
  CHECK(r.error().message.find("exited 127") != std::string::npos);
}

TEST_CASE("plugin client: a plugin that hangs past its timeout is killed", "[plugins]") {
  TempDir dir;
  const std::string path =
      WritePlugin(dir.path(), "firedrill-plugin-hang", "#!/bin/sh\ncat >/dev/null\nsleep 30\n");
  LocalRunner runner;
  PluginClient client(runner, "hang", path);
  const auto start = std::chrono::steady_clock::now();
  Expected<PluginResponse> r = RunBlocking(client.Call(Request(PluginAction::kCheck), 500ms));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("plugin hang check: timed out after 500ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("plugin client: non-JSON, empty or incomplete answers are errors", "[plugins]") {
  TempDir dir;
  LocalRunner runner;
  SECTION("non-JSON") {
    const std::string path =
        WritePlugin(dir.path(), "p", "#!/bin/sh\necho 'Traceback (most recent call last)'\n");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kValidate), 10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("plugin p validate: response is not JSON") != std::string::npos);
    CHECK(r.error().message.find("Traceback") != std::string::npos);
  }
  SECTION("empty") {
    const std::string path = WritePlugin(dir.path(), "p", "#!/bin/sh\nexit 0\n");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kInject), 10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("printed no response") != std::string::npos);
  }
  SECTION("no ok member") {
    const std::string path = WritePlugin(dir.path(), "p", "#!/bin/sh\necho '{\"state\":1}'\n");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kInject), 10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("lacks the boolean \"ok\"") != std::string::npos);
  }
  SECTION("check without in_place") {
    const std::string path = WritePlugin(dir.path(), "p", "#!/bin/sh\necho '{\"ok\":true}'\n");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kCheck), 10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("plugin p check") != std::string::npos);
    CHECK(r.error().message.find("in_place") != std::string::npos);
  }
}

TEST_CASE("plugin client: ok false is an error with the plugin's message", "[plugins]") {
  TempDir dir;
  LocalRunner runner;
  const std::string path = WritePlugin(
      dir.path(), "p",
      "#!/bin/sh\necho 'auth failed' >&2\necho '{\"ok\":false,\"message\":\"NOAUTH\"}'\n");
  PluginClient client(runner, "p", path);
  Expected<PluginResponse> r = RunBlocking(client.Call(Request(PluginAction::kInject), 10s));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "plugin p inject: refused: NOAUTH (stderr: auth failed)");
  Expected<PluginResponse> raw =
      RunBlocking(client.CallAllowRefusal(Request(PluginAction::kInject), 10s));
  REQUIRE(raw.ok());
  CHECK_FALSE(raw->ok);
  CHECK(raw->message == "NOAUTH");
}

TEST_CASE("plugin client: large answers are read whole and oversized ones refused", "[plugins]") {
  TempDir dir;
  LocalRunner runner;
  SECTION("200 KiB is read in pieces") {
    const std::string path = WritePlugin(dir.path(), "p", R"(#!/bin/sh
printf '{"ok":true,"message":"'
head -c 204800 /dev/zero | tr '\0' 'a'
printf '"}'
)");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kInject), 10s));
    REQUIRE(r.ok());
    CHECK(r->message.size() == 204800);
  }
  SECTION("over 1 MiB is an error") {
    const std::string path = WritePlugin(dir.path(), "p", R"(#!/bin/sh
printf '{"ok":true,"message":"'
head -c 1100000 /dev/zero | tr '\0' 'a'
printf '"}'
)");
    Expected<PluginResponse> r =
        RunBlocking(PluginClient(runner, "p", path).Call(Request(PluginAction::kInject), 10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(
              "plugin p inject: response of 1100024 bytes exceeds the 1048576 byte limit") !=
          std::string::npos);
  }
}

TEST_CASE("plugin client: InstallPlugin copies once and then only compares", "[plugins]") {
  TempDir dir;
  LocalRunner runner;
  std::string big = "#!/bin/sh\n# padding so the copy takes several chunks\n";
  while (big.size() < 200 * 1024) big += "# 0123456789abcdefghijklmnopqrstuvwxyz\n";
  big += "echo '{\"ok\":true,\"kinds\":[]}'\n";
  const std::string local = WritePlugin(dir.path(), "firedrill-plugin-big", big);
  const std::string remote = (dir.path() / "remote" / "cache" / "firedrill-plugin-big").string();
  REQUIRE(RunBlocking(InstallPlugin(runner, local, remote)).ok());
  REQUIRE(std::filesystem::exists(remote));
  CHECK(ReadFile(remote) == big);
  CHECK((std::filesystem::status(remote).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
  const auto first = std::filesystem::last_write_time(remote);
  REQUIRE(RunBlocking(InstallPlugin(runner, local, remote)).ok());
  CHECK(std::filesystem::last_write_time(remote) == first);
  Expected<PluginResponse> r =
      RunBlocking(PluginClient(runner, "big", remote).Call(Request(PluginAction::kDescribe), 10s));
  REQUIRE(r.ok());
  CHECK(RemotePluginPath(local) == "~/.cache/firedrill/plugins/firedrill-plugin-big");
  CHECK_FALSE(RunBlocking(InstallPlugin(runner, (dir.path() / "nope").string(), remote)).ok());
}
