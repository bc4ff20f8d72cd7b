// Freezes end to end: `firedrill serve` with a real-incident rule, real drills whose fault is a
// marker file, alerts sent as Alertmanager sends them, `firedrill freeze`/`unfreeze` with API
// tokens of each role, and a restart. Every wait is on a recorded event or the marker file.
#include <signal.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/schedule_table.h"
#include "tests/integration/daemon_support.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// An Alertmanager webhook of one alert with `labels`, firing or resolved.
std::string Alertmanager(const std::string& status, const std::string& fingerprint,
                         const json::object& labels) {
  return AlertmanagerWebhook(status, fingerprint, labels, fingerprint + " summary", NowUtc());
}

// The payload of the last event of `kind` (of no drill, or of `drill`), "" if none.
std::string PayloadOf(const fs::path& state, const std::string& kind,
                      const std::string& drill = "") {
  std::string out;
  for (const Event& e : EventsOf(state, drill)) {
    if (e.kind == kind) out = e.payload_json;
  }
  return out;
}

// The first freeze notice of `event` the receiver got, waiting for it (REQUIRE).
json::object NoticeOf(Receiver& hook, const std::string& event) {
  json::object found;
  bool got = Eventually(
      [&] {
        for (const std::string& b : hook.bodies()) {
          boost::system::error_code ec;
          json::value v = json::parse(b, ec);
          if (!ec && v.is_object() && v.as_object().contains("freeze") &&
              v.as_object().at("event") == event.c_str()) {
            found = v.as_object();
            return true;
          }
        }
        return false;
      },
      10s);
  INFO("no " << event << " notice among " << hook.bodies().size() << " bodies");
  REQUIRE(got);
  return found;
}

bool Frozen(Serve& serve) {
  ControlResponse r = serve.Send("GET", "/v1/freeze");
  return r.status == 200 && json::parse(r.body).as_object().at("frozen").as_bool();
}

}  // namespace

TEST_CASE("freeze: a real incident stands a running drill down, its own alert does not",
          "[daemon][freeze]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "pay-in-place";
  fs::path file = WriteDrill(tmp.path(), "pay", marker, 1s, 60s, "",
                             "[detection]\nmatch = { service = \"payments\" }\n");
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  Serve serve(tmp.path(), state,
              {"--incident-match", "severity=critical", "--incident-cooldown", "2s"});
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "pay"), "fault-injected"); }, 20s));
  REQUIRE(fs::exists(marker));
  // The drill's own alert, critical as it may be: the drill is what broke payments.
  ControlResponse r =
      serve.Send("POST", "/v1/alerts/alertmanager",
                 Alertmanager("firing", "own", {{"severity", "critical"}, {"service", "payments"}}),
                 kAlertToken);
  REQUIRE(r.status == 200);
  CHECK(Eventually([&] { return Has(EventKinds(state, "pay"), "alert-detected"); }, 10s));
  CHECK_FALSE(Frozen(serve));
  CHECK(fs::exists(marker));
  CHECK_FALSE(Has(EventKinds(state, ""), "freeze-started"));
  // A critical alert of another service: a real incident. The drill is aborted and restored.
  r = serve.Send("POST", "/v1/alerts/alertmanager",
                 Alertmanager("firing", "inc-1", {{"severity", "critical"}, {"service", "db"}}),
                 kAlertToken);
  REQUIRE(r.status == 200);
  CHECK(Eventually([&] { return !fs::exists(marker) && StateOf(state, "pay") == "done"; }, 15s));
  auto kinds = EventKinds(state, "pay");
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "run-ended"));
  CHECK_THAT(PayloadOf(state, "restore-started", "pay"), Catch::Contains("stood down by a freeze"));
  std::string started = PayloadOf(state, "freeze-started");
  CHECK_THAT(started, Catch::Contains("\"cause\":\"incident\"") &&
                          Catch::Contains("alertmanager/inc-1") &&
                          Catch::Contains("\"drills_stopped\":1"));
  CHECK(Frozen(serve));
  std::string metrics = serve.Send("GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("firedrill_frozen 1") &&
                          Catch::Contains("firedrill_freezes_total{cause=\"incident\"} 1"));
  std::string status;
  CHECK(Cli(tmp.path(), {"status", "--state", state.string()}, &status) == kExitOk);
  CHECK_THAT(status, Catch::Contains("FROZEN") && Catch::Contains("inc-1 summary"));

  // While frozen, a drill whose window opens is refused at injection, saying why.
  fs::path vetoed_marker = tmp.path() / "vetoed-in-place";
  fs::path vetoed = WriteDrill(tmp.path(), "vetoed", vetoed_marker, 1s, 1s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           vetoed.string()}) == kExitOk);
  CHECK(Eventually([&] { return StateOf(state, "vetoed") == "done"; }, 15s));
  CHECK_FALSE(fs::exists(vetoed_marker));
  CHECK_FALSE(Has(EventKinds(state, "vetoed"), "fault-injected"));
  CHECK_THAT(PayloadOf(state, "preflight-refused", "vetoed"),
             Catch::Contains("stood down") && Catch::Contains("inc-1 summary"));

  // The incident resolves: the freeze ends after the cool-down, and drills inject again.
  r = serve.Send("POST", "/v1/alerts/alertmanager",
                 Alertmanager("resolved", "inc-1", {{"severity", "critical"}, {"service", "db"}}),
                 kAlertToken);
  REQUIRE(r.status == 200);
  CHECK(Eventually([&] { return Has(EventKinds(state, ""), "freeze-thawing"); }, 10s));
  CHECK(Eventually([&] { return Has(EventKinds(state, ""), "freeze-ended"); }, 15s));
  CHECK_FALSE(Frozen(serve));
  CHECK_THAT(serve.Send("GET", "/metrics").body, Catch::Contains("firedrill_frozen 0"));
  fs::path after_marker = tmp.path() / "after-in-place";
  fs::path after = WriteDrill(tmp.path(), "after", after_marker, 1s, 1s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           after.string()}) == kExitOk);
  CHECK(Eventually([&] { return Has(EventKinds(state, "after"), "fault-injected"); }, 20s));
  CHECK(Eventually([&] { return StateOf(state, "after") == "done"; }, 15s));
  CHECK_FALSE(fs::exists(after_marker));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("freeze: by hand a lead freezes and unfreezes, others may not, a restart keeps it",
          "[daemon][freeze]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "hand-in-place";
  fs::path file = WriteDrill(tmp.path(), "hand", marker, 1s, 60s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  std::string out;
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "responder"},
              &out) == kExitOk);
  const std::string responder = TokenIn(out);
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "lead"}, &out) ==
          kExitOk);
  const std::string lead = TokenIn(out);
  fs::path elsewhere = tmp.path() / "elsewhere";
  // The operator's webhook hears of each freeze and its end, whatever each drill's channels.
  Receiver hook(200);
  fs::path urls = tmp.path() / "urls";
  std::ofstream(urls) << hook.url() << "\n";
  {
    Serve serve(tmp.path(), state, {"--webhook-url-file", urls.string()});
    REQUIRE(Eventually([&] { return Has(EventKinds(state, "hand"), "fault-injected"); }, 20s));
    std::string api = "127.0.0.1:" + std::to_string(serve.endpoint.port);
    ::setenv("FIREDRILL_API", api.c_str(), 1);
    ::setenv("FIREDRILL_TOKEN", responder.c_str(), 1);
    CHECK(Cli(tmp.path(), {"freeze", "--state", elsewhere.string(), "--reason", "x"}, &out) ==
          kExitFailure);
    CHECK_THAT(out, Catch::Contains("needs the lead role"));
    CHECK(fs::exists(marker));
    CHECK(Cli(tmp.path(), {"freeze", "--state", elsewhere.string()}, &out) == kExitUsage);
    ::setenv("FIREDRILL_TOKEN", lead.c_str(), 1);
    CHECK(Cli(tmp.path(),
              {"freeze", "--state", elsewhere.string(), "--reason", "stop everything", "--by",
               "ann", "--json"},
              &out) == kExitOk);
    CHECK_THAT(out, Catch::Contains("\"frozen\":true") && Catch::Contains("stop everything"));
    CHECK(Eventually([&] { return !fs::exists(marker) && StateOf(state, "hand") == "done"; }, 15s));
    CHECK(Has(EventKinds(state, "hand"), "fault-restored"));
    // A second freeze is refused: one holds.
    CHECK(Cli(tmp.path(), {"freeze", "--state", elsewhere.string(), "--reason", "again"}, &out) ==
          kExitStateError);
    CHECK_THAT(out, Catch::Contains("already holds"));
    ::unsetenv("FIREDRILL_API");
    ::unsetenv("FIREDRILL_TOKEN");
    serve.fd.Signal(SIGTERM);
    CHECK(serve.fd.Wait() == kExitOk);
  }
  CHECK_THAT(PayloadOf(state, "freeze-started"),
             Catch::Contains("\"cause\":\"manual\"") && Catch::Contains("stop everything"));
  json::object started = NoticeOf(hook, "freeze-started");
  CHECK(started.at("freeze").as_bool());
  CHECK(started.at("cause").as_string() == "manual");
  CHECK(started.at("reason").as_string() == "stop everything");
  CHECK_THAT(std::string(started.at("by").as_string()), Catch::StartsWith("ann (token "));
  CHECK(started.at("drills_stopped").as_int64() == 1);
  CHECK_THAT(std::string(started.at("text").as_string()),
             Catch::StartsWith("[FREEZE] All drills stood down") &&
                 Catch::Contains("1 running drill aborted"));
  // The freeze outlives the daemon: the next one holds it and vetoes injection.
  Serve again(tmp.path(), state, {"--webhook-url-file", urls.string()});
  CHECK(Frozen(again));
  CHECK(Cli(tmp.path(), {"status", "--state", state.string(), "--json"}, &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("\"frozen\":true"));
  fs::path later_marker = tmp.path() / "later-in-place";
  fs::path later = WriteDrill(tmp.path(), "later", later_marker, 1s, 1s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           later.string()}) == kExitOk);
  CHECK(Eventually([&] { return StateOf(state, "later") == "done"; }, 15s));
  CHECK_FALSE(fs::exists(later_marker));
  CHECK_THAT(PayloadOf(state, "preflight-refused", "later"), Catch::Contains("stop everything"));
  std::string api = "127.0.0.1:" + std::to_string(again.endpoint.port);
  ::setenv("FIREDRILL_API", api.c_str(), 1);
  ::setenv("FIREDRILL_TOKEN", responder.c_str(), 1);
  CHECK(Cli(tmp.path(), {"unfreeze", "--state", elsewhere.string()}, &out) == kExitFailure);
  CHECK(Frozen(again));
  ::setenv("FIREDRILL_TOKEN", lead.c_str(), 1);
  CHECK(Cli(tmp.path(),
            {"unfreeze", "--state", elsewhere.string(), "--reason", "all clear", "--by", "ann"},
            &out) == kExitOk);
  ::unsetenv("FIREDRILL_API");
  ::unsetenv("FIREDRILL_TOKEN");
  CHECK_THAT(out, Catch::Contains("ended by ann"));
  CHECK_FALSE(Frozen(again));
  CHECK_THAT(PayloadOf(state, "freeze-ended"), Catch::Contains("all clear"));
  json::object ended = NoticeOf(hook, "freeze-ended");
  CHECK_THAT(std::string(ended.at("by").as_string()), Catch::StartsWith("ann (token "));
  CHECK(ended.at("reason").as_string() == "all clear");
  CHECK_THAT(std::string(ended.at("text").as_string()), Catch::Contains("Drills may run again"));
  CHECK_THAT(again.Send("GET", "/metrics").body,
             Catch::Contains("firedrill_freezes_total{cause=\"manual\"} 1"));
  again.fd.Signal(SIGTERM);
  CHECK(again.fd.Wait() == kExitOk);
}
