// The daemon end to end: `firedrill serve` as a real process running scheduled drills with short
// windows (seconds), talked to through the real CLI and its HTTP API. Each test asserts the state
// of the real system (marker files) and the records, not just what was printed.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/schedule_table.h"
#include "tests/integration/daemon_support.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/doc_output.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificate.h"
#include "tests/support/test_sshd.h"

using namespace firedrill;
using firedrill::testing::CheckDocOutput;
using firedrill::testing::Cli;
using firedrill::testing::EventKinds;
using firedrill::testing::EventsOf;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::kAlertToken;
using firedrill::testing::kOpensSoon;
using firedrill::testing::ReceivedRequest;
using firedrill::testing::Receiver;
using firedrill::testing::RunOutcomeOf;
using firedrill::testing::Serve;
using firedrill::testing::StateOf;
using firedrill::testing::TempDir;
using firedrill::testing::TokenIn;
using firedrill::testing::WriteDrill;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using firedrill::testing::MakeTestCertificate;
using firedrill::testing::TestCertificate;
// The zone's abbreviation and offset now, as times are written in it: "CET (+01:00)".
std::string ZoneNow(const std::string& zone) {
  const std::string local = FormatInZone(NowUtc(), zone);
  return local.substr(local.find(' ', local.find(' ') + 1) + 1);
}

// Alertmanager telling of `alertname` on the demo service.
std::string AlertmanagerBody(const std::string& status, const std::string& alertname,
                             SysTime starts) {
  return firedrill::testing::AlertmanagerWebhook(
      status, "fp-" + alertname, json::object{{"alertname", alertname}, {"service", "demo"}},
      alertname + " fired", starts);
}

}  // namespace

TEST_CASE("daemon: a scheduled drill runs when its window opens, and alerts and acks reach it",
          "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "a-in-place";
  // A window that only the test ends (an abort once the alert and the ack are recorded), so that
  // nothing the test does has to land inside it, whatever the load.
  fs::path drill = WriteDrill(tmp.path(), "daemon-a", marker, 2s, 120s, "",
                              "[detection]\nmatch = { alertname = \"DemoDown\" }\n");
  // The fault's check takes a second while the marker exists: the alert below arrives after the
  // fault was applied but before its check confirmed it (before T0 is known) and must count.
  {
    std::ifstream in(drill);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string check = "check = \"test -f";
    text.replace(text.find(check), check.size(),
                 check + " '" + marker.string() + "' && sleep 1; test -f");
    std::ofstream(drill) << text;
  }
  std::string out;
  REQUIRE(
      Cli(tmp.path(),
          {"schedule", "--state", state.string(), "--override-lead", kOpensSoon, drill.string()},
          &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("scheduled daemon-a"));
  CHECK(fs::exists(state / "invites" / "daemon-a.0.ics"));
  Serve serve(tmp.path(), state);
  CHECK(Eventually([&] { return fs::exists(marker); }, 20s));
  // Alertmanager tells of the outage: the alert is the detection.
  ControlResponse r = serve.Send("POST", "/v1/alerts/alertmanager",
                                 AlertmanagerBody("firing", "DemoDown", NowUtc()), kAlertToken);
  CHECK(r.status == 200);
  // A responder's ack needs T0 (an ack before it is refused with 409).
  CHECK(Eventually([&] { return Has(EventKinds(state, "daemon-a"), "fault-injected"); }, 10s));
  // Acks reach the running drill through the daemon: here from a responder who cannot read the
  // state directory, with the daemon's address and their own API token.
  std::string token_out;
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "responder"},
              &token_out) == kExitOk);
  std::string api = "127.0.0.1:" + std::to_string(serve.endpoint.port);
  ::setenv("FIREDRILL_API", api.c_str(), 1);
  ::setenv("FIREDRILL_TOKEN", TokenIn(token_out).c_str(), 1);
  std::string ack_out;
  CHECK(Cli(tmp.path(),
            {"ack", "detected", "--state", (tmp.path() / "elsewhere").string(), "--by", "alice"},
            &ack_out) == kExitOk);
  ::setenv("FIREDRILL_TOKEN", "fdt_00000000_wrong", 1);
  std::string refused;
  CHECK(Cli(tmp.path(), {"ack", "recovered", "--drill", "daemon-a", "--by", "mallory"}, &refused) !=
        kExitOk);
  ::unsetenv("FIREDRILL_API");
  ::unsetenv("FIREDRILL_TOKEN");
  INFO(ack_out);
  INFO(refused);
  CHECK(Eventually(
      [&] {
        auto k = EventKinds(state, "daemon-a");
        return Has(k, "alert-detected") && Has(k, "ack-detected");
      },
      20s));
  std::string aborted;
  CHECK(Cli(tmp.path(),
            {"abort", "--state", state.string(), "--drill", "daemon-a", "--reason", "test over"},
            &aborted) == kExitOk);
  INFO(aborted);
  CHECK(
      Eventually([&] { return !fs::exists(marker) && StateOf(state, "daemon-a") == "done"; }, 15s));
  auto kinds = EventKinds(state, "daemon-a");
  CHECK(Has(kinds, "scheduled"));
  CHECK(Has(kinds, "announced"));
  CHECK(Has(kinds, "fault-injected"));
  CHECK(Has(kinds, "alert-detected"));
  CHECK(Has(kinds, "ack-detected"));
  CHECK_FALSE(Has(kinds, "ack-recovered"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "run-ended"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
  CheckDocOutput("alert-detected", serve.fd.Output(),
                 {{"checkout-db-blackhole", "daemon-a"},
                  {"PostgresUnreachable on db-primary", "DemoDown fired"}});
}

TEST_CASE("daemon: an alert guard trips when its alert fires during the drill", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "guarded";
  // A window that only the guard ends.
  fs::path drill = WriteDrill(tmp.path(), "guarded", marker, 1s, 120s, "",
                              "[[guards]]\nname = \"payments-paging\"\nkind = \"alert\"\n"
                              "match = { alertname = \"PaymentsErrors\" }\n");
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           drill.string()}) == kExitOk);
  Serve serve(tmp.path(), state);
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "guarded"), "fault-injected"); }, 20s));
  ControlResponse r =
      serve.Send("POST", "/v1/alerts/alertmanager",
                 AlertmanagerBody("firing", "PaymentsErrors", NowUtc()), kAlertToken);
  CHECK(r.status == 200);
  CHECK(Eventually([&] { return StateOf(state, "guarded") == "done"; }, 20s));
  CHECK_FALSE(fs::exists(marker));
  CHECK(Has(EventKinds(state, "guarded"), "guard-tripped"));
  CHECK(RunOutcomeOf(state, "guarded") == "aborted");
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
  CheckDocOutput("alert-guard-tripped", serve.fd.Output(),
                 {{"demo-b", "guarded"},
                  {"grafana", "alertmanager"},
                  {"payments error rate above 5%", "PaymentsErrors fired"}});
}

TEST_CASE("daemon: a drill ends by itself at its restore point and is restored", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "end-in-place";
  // The daemon is up before the drill exists, so only the daemon's own timing is inside the
  // window: it is scheduled through the API a moment before it opens.
  Serve serve(tmp.path(), state);
  fs::path file = WriteDrill(tmp.path(), "daemon-end", marker, 1s, 3s);
  std::string source;
  {
    std::ifstream in(file);
    source.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  ControlResponse scheduled = serve.Send("POST", "/v1/drills",
                                         json::serialize(json::object{{"file", "daemon-end.toml"},
                                                                      {"source", source},
                                                                      {"lead_override", kOpensSoon},
                                                                      {"by", "maria"}}));
  INFO(scheduled.body);
  REQUIRE(scheduled.status == 200);
  CHECK(Eventually([&] { return StateOf(state, "daemon-end") == "done"; }, 30s));
  INFO(serve.fd.Output());
  CHECK_FALSE(fs::exists(marker));
  auto events = EventsOf(state, "daemon-end");
  auto kind = [&](const std::string& k) {
    return std::find_if(events.begin(), events.end(), [&](const Event& e) { return e.kind == k; });
  };
  CHECK(kind("fault-injected") != events.end());
  REQUIRE(kind("restore-started") != events.end());
  CHECK_THAT(kind("restore-started")->payload_json,
             Catch::Contains("the restore point of the window was reached"));
  CHECK(kind("fault-restored") != events.end());
  CHECK(kind("run-ended") != events.end());
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
  CheckDocOutput("daemon-log", serve.fd.Output(), {{"demo-ok", "daemon-end"}, {"flag", "marker"}});
}

TEST_CASE("daemon: scheduling refuses two drills on the same target in overlapping windows",
          "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path a = WriteDrill(tmp.path(), "overlap-a", tmp.path() / "a", 1h, 10min);
  fs::path b = WriteDrill(tmp.path(), "overlap-b", tmp.path() / "b", 1h + 5min, 10min);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), a.string()}) == kExitOk);
  std::string out;
  CHECK(Cli(tmp.path(), {"schedule", "--state", state.string(), b.string()}, &out) == kExitFailure);
  CHECK_THAT(out, Catch::Contains("overlap-a") && Catch::Contains("local"));
  CHECK(StateOf(state, "overlap-b").empty());
  // Rescheduling the same drill bumps the invite's SEQUENCE; cancelling writes the CANCEL.
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), a.string()}, &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("rescheduled overlap-a"));
  CHECK(fs::exists(state / "invites" / "overlap-a.1.ics"));
  REQUIRE(Cli(tmp.path(), {"cancel", "--state", state.string(), "--reason", "freeze", "overlap-a"},
              &out) == kExitOk);
  std::ifstream ics(state / "invites" / "overlap-a.2.ics");
  std::string text((std::istreambuf_iterator<char>(ics)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("METHOD:CANCEL") && Catch::Contains("STATUS:CANCELLED") &&
                       Catch::Contains("SEQUENCE:2"));
  CHECK(StateOf(state, "overlap-a") == "cancelled");
  // Now the slot is free.
  CHECK(Cli(tmp.path(), {"schedule", "--state", state.string(), b.string()}) == kExitOk);
  CHECK(Cli(tmp.path(), {"cancel", "--state", state.string(), "--reason", "x", "nope"}) ==
        kExitNotFound);
}

TEST_CASE("daemon: announcement lead, briefing and a firing alert are checked at injection",
          "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  // The alert fires first and the drill is written after it, so that it is already firing when
  // the window opens however slowly the machine runs.
  Serve serve(tmp.path(), state);
  ControlResponse r = serve.Send("POST", "/v1/alerts/alertmanager",
                                 AlertmanagerBody("firing", "AlreadyBad", NowUtc()), kAlertToken);
  REQUIRE(r.status == 200);
  // Announced 2 s ahead but asking for 72 h; needs a briefing; and its alert is already firing.
  fs::path late = WriteDrill(tmp.path(), "late", tmp.path() / "late-marker", 2s, 2s,
                             "briefing_required = true\n");
  {
    std::ifstream in(late);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("lead = \"0s\""), 11, "lead = \"72h\"");
    std::ofstream(late) << text << "[detection]\nmatch = { alertname = \"AlreadyBad\" }\n";
  }
  std::string out;
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), late.string()}, &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("less than announce.lead"));
  CheckDocOutput("schedule-late-warning", out);
  CHECK(Eventually([&] { return StateOf(state, "late") == "done"; }, 15s));
  CHECK_FALSE(fs::exists(tmp.path() / "late-marker"));
  auto kinds = EventKinds(state, "late");
  CHECK(Has(kinds, "preflight-refused"));
  CHECK_FALSE(Has(kinds, "fault-injected"));
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  std::string reasons;
  auto events = EventLog(*db).ForDrill("late");
  REQUIRE(events.ok());
  std::string reason_lines;
  for (const Event& e : *events) {
    if (e.kind != "preflight-refused") continue;
    reasons = e.payload_json;
    const json::value payload = json::parse(reasons);
    for (const json::value& reason : payload.at("reasons").as_array()) {
      reason_lines += std::string(reason.as_string()) + "\n";
    }
  }
  CheckDocOutput("refused-late", reason_lines, {{"CET (+01:00)", ZoneNow("Europe/Copenhagen")}});
  CHECK_THAT(reasons, Catch::Contains("announce.lead requires 3d"));
  CHECK_THAT(reasons, Catch::Contains("requires a briefing"));
  CHECK_THAT(reasons, Catch::Contains("already firing"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: an override and a briefing let a late-announced drill inject", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "m";
  // A window long enough that only the test's own abort ends it: the daemon launches a drill
  // whose window is already open, so a slow start cannot make it miss the window.
  fs::path file =
      WriteDrill(tmp.path(), "practice", marker, 1s, 120s, "briefing_required = true\n");
  {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("lead = \"0s\""), 11, "lead = \"72h\"");
    std::ofstream(file) << text;
  }
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead",
                           "practice round", file.string()}) == kExitOk);
  // Briefed before the daemon starts, so the briefing is in place whenever the window opens.
  std::string briefed;
  REQUIRE(Cli(tmp.path(), {"brief", "--state", state.string(), "--by", "bob", "practice"},
              &briefed) == kExitOk);
  CheckDocOutput("briefing-recorded", briefed,
                 {{"checkout-web-crash", "practice"}, {"maria.jensen", "bob"}});
  Serve serve(tmp.path(), state);
  REQUIRE(Eventually([&] { return fs::exists(marker); }, 20s));
  // While it runs, status says so, with the run and its T0.
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "practice"), "fault-injected"); }, 10s));
  std::string status;
  CHECK(Cli(tmp.path(), {"status", "--state", state.string()}, &status) == kExitOk);
  CheckDocOutput("status-daemon", status, {{"demo-ok", "practice"}});
  CHECK(Cli(tmp.path(), {"status", "--state", state.string(), "practice"}, &status) == kExitOk);
  CheckDocOutput("status-drill", status, {{"demo-ok", "practice"}});
  REQUIRE(Cli(tmp.path(), {"abort", "--state", state.string(), "--drill", "practice", "--reason",
                           "practice is over"}) == kExitOk);
  CHECK(Eventually([&] { return StateOf(state, "practice") == "done"; }, 15s));
  CHECK_FALSE(fs::exists(marker));
  auto kinds = EventKinds(state, "practice");
  CHECK(Has(kinds, "briefed"));
  CHECK(Has(kinds, "announce-overridden"));
  CHECK(Has(kinds, "fault-restored"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
  CheckDocOutput("announce-overridden", serve.fd.Output(),
                 {{"checkout-web-crash", "practice"},
                  {"practice run agreed with the team in standup", "practice round"},
                  {"CET (+01:00)", ZoneNow("Europe/Copenhagen")}});
}

TEST_CASE("scheduling: the example drills are scheduled and listed as docs/scheduling.md shows",
          "[daemon][docs]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  // The examples' windows, moved to next year so that they stay in the future.
  const std::string next_year =
      std::to_string(
          static_cast<int>(
              std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(NowUtc())).year()) +
          1) +
      "-";
  auto example = [&](const std::string& name) {
    std::ifstream in(fs::path(FIREDRILL_SOURCE_DIR) / "drills" / "examples" / name);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto at = text.find("2027-"); at != std::string::npos; at = text.find("2027-", at + 5)) {
      text.replace(at, 5, next_year);
    }
    fs::path file = tmp.path() / name;
    std::ofstream(file) << text;
    return file.string();
  };
  std::string out;
  REQUIRE(Cli(tmp.path(),
              {"schedule", "--state", state.string(), example("web-process-crash.toml")},
              &out) == kExitOk);
  CheckDocOutput("schedule-example", out, {{"/var/lib/firedrill", state.string()}});
  for (const char* name : {"quarterly-wheel.toml", "cpu-starvation.toml"}) {
    REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), example(name)}) == kExitOk);
  }
  REQUIRE(Cli(tmp.path(), {"list", "--state", state.string()}, &out) == kExitOk);
  CheckDocOutput("list-scheduled", out);
}

TEST_CASE("daemon: a briefing sent to a serving daemon goes into the drill's record", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path file =
      WriteDrill(tmp.path(), "later", tmp.path() / "never", 1h, 60s, "briefing_required = true\n");
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), file.string()}) == kExitOk);
  Serve serve(tmp.path(), state);
  REQUIRE(Cli(tmp.path(), {"brief", "--state", state.string(), "--by", "bob", "--note",
                           "walked through the runbook", "later"}) == kExitOk);
  auto kinds = EventKinds(state, "later");
  CHECK(Has(kinds, "briefed"));
  std::string out;
  REQUIRE(Cli(tmp.path(), {"brief", "--state", state.string(), "--by", "bob", "nosuch"}, &out) !=
          kExitOk);
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: SIGKILL mid-drill, then a restart restores the fault first", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "k";
  fs::path file = WriteDrill(tmp.path(), "crash", marker, 1s, 20s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  {
    Serve serve(tmp.path(), state);
    bool injected = Eventually([&] { return fs::exists(marker); }, 20s);
    INFO(serve.fd.Output());
    REQUIRE(injected);
    serve.fd.Signal(SIGKILL);
    serve.fd.Wait();
  }
  REQUIRE(fs::exists(marker));  // left behind by the crash
  Serve again(tmp.path(), state);
  CHECK_FALSE(fs::exists(marker));
  CHECK(StateOf(state, "crash") == "done");
  auto kinds = EventKinds(state, "crash");
  CHECK(Has(kinds, "fault-restored"));
  // The run that died is closed as interrupted by the daemon that restored its fault.
  CHECK(kinds.back() == "run-ended");
  CHECK(RunOutcomeOf(state, "crash") == "interrupted");
  again.fd.Signal(SIGTERM);
  CHECK(again.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: SIGTERM aborts running drills and restores before it exits", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "t";
  fs::path go = tmp.path() / "restore-may-finish";
  fs::path file = WriteDrill(tmp.path(), "term", marker, 1s, 30s);
  {
    // The restore waits for the test's go-ahead, so that a second SIGTERM lands while restoring.
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string restore = "restore = \"rm -f";
    text.replace(text.find(restore), restore.size(),
                 "restore = \"while [ ! -f '" + go.string() + "' ]; do sleep 0.05; done; rm -f");
    const std::string timeout = "restore_timeout = \"1s\"";
    text.replace(text.find(timeout), timeout.size(), "restore_timeout = \"20s\"");
    std::ofstream(file) << text;
  }
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  Serve serve(tmp.path(), state);
  REQUIRE(Eventually([&] { return fs::exists(marker); }, 20s));
  serve.fd.Signal(SIGTERM);
  REQUIRE(Eventually(
      [&] {
        return serve.fd.Output().find("restoring: the daemon is stopping") != std::string::npos;
      },
      20s));
  serve.fd.Signal(SIGTERM);  // does not cut the restore short
  REQUIRE(Eventually(
      [&] { return serve.fd.Output().find("received while restoring") != std::string::npos; },
      20s));
  std::ofstream(go).put('\n');
  CHECK(serve.fd.Wait() == kExitOk);
  CheckDocOutput("daemon-sigterm", serve.fd.Output(), {{"demo-e", "term"}, {"flag", "marker"}});
  CHECK_FALSE(fs::exists(marker));
  auto kinds = EventKinds(state, "term");
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "run-ended"));
}

TEST_CASE("daemon: a window inside a blackout is not scheduled", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  SysTime now = NowUtc();
  fs::path veto = WriteDrill(tmp.path(), "vetoed", tmp.path() / "v", 1h, 5s, "",
                             "[[blackouts]]\nname = \"release freeze\"\nstart = " + FormatUtc(now) +
                                 "\nend = " + FormatUtc(now + 2h) + "\n");
  std::string out;
  CHECK(Cli(tmp.path(), {"schedule", "--state", state.string(), veto.string()}, &out) ==
        kExitInvalidDrill);
  CHECK_THAT(out, Catch::Contains("release freeze"));
  CHECK(StateOf(state, "vetoed").empty());
}

TEST_CASE("daemon: bad requests are answered clearly and change nothing", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path file = WriteDrill(tmp.path(), "api", tmp.path() / "x", 1h, 10min);
  Serve serve(tmp.path(), state);
  std::string source;
  {
    std::ifstream in(file);
    source.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string schedule = json::serialize(json::object{{"file", "api.toml"}, {"source", source}});
  // No token, a wrong one: 401.
  CHECK(serve.Send("POST", "/v1/drills", schedule, "wrong").status == 401);
  // An auditor may read but not schedule: 403.
  std::string out;
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "auditor"},
              &out) == kExitOk);
  std::string auditor = TokenIn(out);
  CHECK(serve.Send("GET", "/v1/drills", "", auditor).status == 200);
  CHECK(serve.Send("POST", "/v1/drills", schedule, auditor).status == 403);
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "responder"},
              &out) == kExitOk);
  std::string responder = TokenIn(out);
  CHECK(serve.Send("POST", "/v1/drills/api/cancel", "{\"reason\":\"x\"}", responder).status == 403);
  // Malformed JSON: 400; oversized: 413; unknown drill: 404; bad webhook secret: 401.
  CHECK(serve.Send("POST", "/v1/drills", "{not json").status == 400);
  CHECK(serve.Send("POST", "/v1/drills", std::string(3 * 1024 * 1024, ' ')).status == 413);
  CHECK(serve.Send("GET", "/v1/drills/nope").status == 404);
  CHECK(serve.Send("POST", "/v1/drills/nope/ack", "{\"what\":\"detected\"}", responder).status ==
        404);
  CHECK(serve
            .Send("POST", "/v1/alerts/alertmanager", AlertmanagerBody("firing", "X", NowUtc()),
                  "not-the-secret")
            .status == 401);
  CHECK(serve.Send("POST", "/v1/alerts/alertmanager", "{\"version\":\"3\"}", kAlertToken).status ==
        400);
  CHECK(StateOf(state, "api").empty());
  // The same request by the state dir's owner (lead) schedules it.
  CHECK(serve.Send("POST", "/v1/drills", schedule).status == 200);
  CHECK(StateOf(state, "api") == "scheduled");
  ControlResponse metrics = serve.Send("GET", "/metrics", "", auditor);
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("firedrill_drills{state=\"scheduled\"} 1"));
  CHECK_THAT(
      metrics.body,
      Catch::Contains(
          "firedrill_webhook_deliveries_total{source=\"alertmanager\",result=\"unauthorized\"} 1"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: chat notices go out at each moment and a failing chat never stops a drill",
          "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "n";
  Receiver good(200);
  Receiver broken(404);
  fs::path urls = tmp.path() / "urls";
  std::ofstream(urls) << good.url() << "\n" << broken.url() << "\n";
  // A window that only the test's abort ends, once the fault is in place: the four moments are
  // then told whatever the machine's load (a drill launched late is told of at once).
  fs::path file = WriteDrill(tmp.path(), "noticed", marker, 1s, 120s);
  {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("lead = \"0s\""), 11, "lead = \"0s\"\nchannels = [\"webhook\"]");
    std::ofstream(file) << text;
  }
  // Scheduled while no daemon runs: the daemon tells of it when it starts. On a loaded machine
  // the schedule command may end after the window opened: the lead is overridden for that.
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead",
                           "scheduled by a test", file.string()}) == kExitOk);
  Firedrill serve(tmp.path(),
                  {"serve", "--state", state.string(), "--webhook-url-file", urls.string()});
  bool injected = Eventually([&] { return fs::exists(marker); }, 20s);
  INFO(serve.Output());
  REQUIRE(injected);
  REQUIRE(Cli(tmp.path(), {"abort", "--state", state.string(), "--drill", "noticed", "--reason",
                           "practice is over"}) == kExitOk);
  CHECK(Eventually([&] { return StateOf(state, "noticed") == "done"; }, 20s));
  CHECK_FALSE(fs::exists(marker));
  std::vector<std::string> events;
  CHECK(Eventually(
      [&] {
        events.clear();
        for (const std::string& b : good.bodies()) {
          boost::system::error_code ec;
          json::value v = json::parse(b, ec);
          if (!ec && v.is_object()) events.emplace_back(v.as_object().at("event").as_string());
        }
        return events.size() >= 4;
      },
      10s));
  INFO(serve.Output());
  CHECK(events == std::vector<std::string>{"scheduled", "window-start", "restore", "end"});
  for (const std::string& b : good.bodies()) {
    json::object o = json::parse(b).as_object();
    CHECK(o.at("drill").as_bool());
    CHECK(o.at("drill_id").as_string() == "noticed");
    CHECK_THAT(std::string(o.at("text").as_string()), Catch::StartsWith("[DRILL] noticed"));
  }
  // A notice's outcome is recorded once its receiver has answered, which is after the receiver
  // has the body: wait for the records themselves.
  std::vector<std::string> kinds;
  CHECK(Eventually(
      [&] {
        kinds = EventKinds(state, "noticed");
        return std::count(kinds.begin(), kinds.end(), "notice-delivered") == 4 &&
               std::count(kinds.begin(), kinds.end(), "notice-failed") == 4;
      },
      10s));
  CHECK(std::count(kinds.begin(), kinds.end(), "notice-delivered") == 4);
  CHECK(std::count(kinds.begin(), kinds.end(), "notice-failed") == 4);  // 404 is not retried
  CHECK(Has(kinds, "fault-restored"));
  serve.Signal(SIGTERM);
  CHECK(serve.Wait() == kExitOk);
}

TEST_CASE("daemon: Grafana gets an annotation at T0 and at the restore, with its token",
          "[daemon][grafana]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "g";
  Receiver grafana(200);
  Receiver refusing(401);  // a revoked service account token
  fs::path token = tmp.path() / "grafana-token";
  std::ofstream(token) << "glsa_test_token\n";
  // Aborted by the test once the fault is in place, so that both moments happen whatever the
  // machine's load. No channels: annotations are not a notice a drill asks for.
  fs::path file = WriteDrill(tmp.path(), "annotated", marker, 1s, 120s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead",
                           "scheduled by a test", file.string()}) == kExitOk);
  {
    Firedrill serve(tmp.path(), {"serve", "--state", state.string(), "--grafana-url",
                                 grafana.origin() + "/", "--grafana-token-file", token.string()});
    bool injected = Eventually([&] { return fs::exists(marker); }, 20s);
    INFO(serve.Output());
    REQUIRE(injected);
    REQUIRE(Cli(tmp.path(), {"abort", "--state", state.string(), "--drill", "annotated", "--reason",
                             "practice is over"}) == kExitOk);
    CHECK(Eventually([&] { return grafana.requests().size() >= 2; }, 20s));
    CHECK(Eventually(
        [&] {
          const std::vector<std::string> kinds = EventKinds(state, "annotated");
          return std::count(kinds.begin(), kinds.end(), "notice-delivered") == 2;
        },
        10s));
    serve.Signal(SIGTERM);
    CHECK(serve.Wait() == kExitOk);
  }
  const std::vector<ReceivedRequest> got = grafana.requests();
  REQUIRE(got.size() == 2);
  std::vector<std::string> moments;
  for (const ReceivedRequest& r : got) {
    // What Grafana's HTTP API requires of POST /api/annotations.
    CHECK(r.method == "POST");
    CHECK(r.target == "/api/annotations");
    CHECK(r.authorization == "Bearer glsa_test_token");
    CHECK(r.content_type == "application/json");
    json::object o = json::parse(r.body).as_object();
    CHECK(o.at("time").is_int64());
    const json::array& tags = o.at("tags").as_array();
    REQUIRE(tags.size() == 4);
    CHECK(tags[0] == "firedrill");
    CHECK(tags[1] == "drill:annotated");
    moments.emplace_back(tags[3].as_string());
    CHECK_THAT(std::string(o.at("text").as_string()),
               Catch::StartsWith("firedrill drill annotated"));
  }
  CHECK(moments == std::vector<std::string>{"injected", "restore"});
  // T0 is annotated at T0 itself, as recorded: not when the request happened to be sent.
  const std::int64_t t0_ms = json::parse(got[0].body).at("time").as_int64();
  CHECK(t0_ms <= json::parse(got[1].body).at("time").as_int64());

  // A refused token is recorded as a failed notice (401 is not retried) and the drill runs on.
  fs::path state2 = tmp.path() / "state2";
  fs::path marker2 = tmp.path() / "g2";
  fs::path file2 = WriteDrill(tmp.path(), "refused", marker2, 1s, 120s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state2.string(), "--override-lead",
                           "scheduled by a test", file2.string()}) == kExitOk);
  Firedrill serve(tmp.path(), {"serve", "--state", state2.string(), "--grafana-url",
                               refusing.origin(), "--grafana-token-file", token.string()});
  bool injected = Eventually([&] { return fs::exists(marker2); }, 20s);
  INFO(serve.Output());
  REQUIRE(injected);
  REQUIRE(Cli(tmp.path(), {"abort", "--state", state2.string(), "--drill", "refused", "--reason",
                           "practice is over"}) == kExitOk);
  CHECK(Eventually([&] { return StateOf(state2, "refused") == "done"; }, 20s));
  CHECK_FALSE(fs::exists(marker2));
  CHECK(Eventually(
      [&] {
        const std::vector<std::string> kinds = EventKinds(state2, "refused");
        return std::count(kinds.begin(), kinds.end(), "notice-failed") == 2;
      },
      10s));
  CHECK(refusing.requests().size() == 2);
  serve.Signal(SIGTERM);
  CHECK(serve.Wait() == kExitOk);
}

TEST_CASE("daemon: overlapping drills on different targets run at once, each restored",
          "[daemon]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  fs::path state = tmp.path() / "state";
  fs::path local_marker = tmp.path() / "local-in-place";
  fs::path remote_marker = tmp.path() / "remote-in-place";
  fs::path a = WriteDrill(tmp.path(), "on-local", local_marker, 1s, 10s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           a.string()}) == kExitOk);
  Serve serve(tmp.path(), state);
  REQUIRE(Eventually([&] { return fs::exists(local_marker); }, 10s));
  // Scheduled through the daemon while the first drill's fault is in place.
  fs::path b =
      WriteDrill(tmp.path(), "on-remote", remote_marker, 2s, 3s, "", "", sshd.TargetToml("remote"));
  std::string out;
  REQUIRE(Cli(tmp.path(),
              {"schedule", "--state", state.string(), "--override-lead", kOpensSoon, b.string()},
              &out) == kExitOk);
  // Both faults in place together: starting the second drill left the first one's alone.
  CHECK(Eventually([&] { return fs::exists(local_marker) && fs::exists(remote_marker); }, 15s));
  CHECK(Eventually(
      [&] { return StateOf(state, "on-local") == "done" && StateOf(state, "on-remote") == "done"; },
      25s));
  CHECK_FALSE(fs::exists(local_marker));
  CHECK_FALSE(fs::exists(remote_marker));
  for (const char* id : {"on-local", "on-remote"}) {
    auto kinds = EventKinds(state, id);
    INFO(id);
    CHECK(Has(kinds, "fault-injected"));
    CHECK(Has(kinds, "fault-restored"));
    CHECK(Has(kinds, "run-ended"));
  }
  // A drill in the foreground on the same state dir is refused: it would take the daemon's
  // faults in place for leftovers of a crash.
  fs::path c = WriteDrill(tmp.path(), "foreground", tmp.path() / "c", 1h, 10min);
  CHECK(Cli(tmp.path(), {"run", "--state", state.string(), c.string()}, &out) == kExitStateError);
  CHECK_THAT(out, Catch::Contains("is running drills on state dir"));
  CHECK(Cli(tmp.path(), {"recover", "--state", state.string()}) == kExitStateError);
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: a blackout declared while a drill runs halts it, restoring first", "[daemon]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "b";
  fs::path file = WriteDrill(tmp.path(), "frozen", marker, 1s, 30s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  Serve serve(tmp.path(), state);
  REQUIRE(Eventually([&] { return fs::exists(marker); }, 20s));
  std::string out;
  REQUIRE(Cli(tmp.path(),
              {"blackout", "add", "--state", state.string(), "--name", "release freeze", "--start",
               FormatUtc(NowUtc() - 1s), "--end", FormatUtc(NowUtc() + 1h)},
              &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("drill frozen falls in it"));
  CHECK(Eventually([&] { return !fs::exists(marker) && StateOf(state, "frozen") == "done"; }, 10s));
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto events = EventLog(*db).ForDrill("frozen");
  REQUIRE(events.ok());
  std::string restore_reason;
  for (const Event& e : *events) {
    if (e.kind == "restore-started") restore_reason = e.payload_json;
  }
  CHECK_THAT(restore_reason, Catch::Contains("blackout release freeze began"));
  // Nothing can be scheduled into it, and it is listed.
  fs::path later = WriteDrill(tmp.path(), "later", tmp.path() / "l", 10min, 10min);
  CHECK(Cli(tmp.path(), {"schedule", "--state", state.string(), later.string()}, &out) ==
        kExitFailure);
  CHECK_THAT(out, Catch::Contains("overlaps blackout \"release freeze\""));
  REQUIRE(Cli(tmp.path(), {"blackout", "list", "--state", state.string()}, &out) == kExitOk);
  CHECK_THAT(out, Catch::Contains("release freeze"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: off loopback the API is served over TLS only, and responders ack over HTTPS",
          "[daemon][tls]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  std::string out;
  // Bearer tokens never cross a network in clear text: refused before anything starts.
  CHECK(Cli(tmp.path(), {"serve", "--state", state.string(), "--listen", "0.0.0.0:0"}, &out) ==
        kExitUsage);
  CHECK_THAT(out, Catch::Contains("needs TLS") && Catch::Contains("--tls-cert"));
  CHECK_FALSE(fs::exists(state / "control.json"));

  TestCertificate cert = MakeTestCertificate(tmp.path(), "daemon", "IP:127.0.0.1");
  fs::path marker = tmp.path() / "tls-in-place";
  // A window that only the test's abort ends: the acks below reach the drill whatever the load.
  fs::path drill = WriteDrill(tmp.path(), "daemon-tls", marker, 1s, 120s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           drill.string()}) == kExitOk);
  fs::create_directories(tmp.path() / "serve");
  Firedrill serve(tmp.path() / "serve",
                  {"serve", "--state", state.string(), "--listen", "0.0.0.0:0", "--tls-cert",
                   cert.cert.string(), "--tls-key", cert.key.string()});
  REQUIRE(Eventually([&] { return FindControlEndpoint(state).ok(); }, 10s));
  ControlEndpoint e = *FindControlEndpoint(state);
  CHECK(e.tls);
  REQUIRE(Eventually([&] { return fs::exists(marker); }, 20s));
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "daemon-tls"), "fault-injected"); }, 10s));

  std::string token_out;
  REQUIRE(Cli(tmp.path(), {"token", "create", "--state", state.string(), "--role", "responder"},
              &token_out) == kExitOk);
  std::string api = "https://127.0.0.1:" + std::to_string(e.port);
  ::setenv("FIREDRILL_API", api.c_str(), 1);
  ::setenv("FIREDRILL_TOKEN", TokenIn(token_out).c_str(), 1);
  // Without the certificate to trust, the command refuses to send the token.
  std::string untrusted;
  CHECK(Cli(tmp.path(), {"ack", "detected", "--drill", "daemon-tls", "--by", "bob"}, &untrusted) !=
        kExitOk);
  CHECK_THAT(untrusted, Catch::Contains("not trusted"));
  ::setenv("FIREDRILL_CA_FILE", cert.cert.c_str(), 1);
  // Trusted, but reached at an address the certificate does not name.
  ::setenv("FIREDRILL_API", ("https://127.0.0.2:" + std::to_string(e.port)).c_str(), 1);
  std::string mismatch;
  CHECK(Cli(tmp.path(), {"ack", "detected", "--drill", "daemon-tls", "--by", "bob"}, &mismatch) !=
        kExitOk);
  CheckDocOutput("tls-not-trusted", untrusted + mismatch,
                 {{"drills.example.com", "127.0.0.1"},
                  {"10.0.0.7", "127.0.0.2"},
                  {"/home/alice/firedrill-ca.pem", cert.cert.string()}});
  ::setenv("FIREDRILL_API", api.c_str(), 1);
  std::string acked;
  CHECK(Cli(tmp.path(), {"ack", "recovered", "--drill", "daemon-tls", "--by", "bob"}, &acked) ==
        kExitOk);
  // In clear text to the TLS port: no answer, and a hint.
  std::string clear_api = "127.0.0.1:" + std::to_string(e.port);
  ::setenv("FIREDRILL_API", clear_api.c_str(), 1);
  std::string clear;
  CHECK(Cli(tmp.path(), {"ack", "recovered", "--drill", "daemon-tls", "--by", "eve"}, &clear) !=
        kExitOk);
  CHECK_THAT(clear, Catch::Contains("https://"));
  ::unsetenv("FIREDRILL_API");
  ::unsetenv("FIREDRILL_TOKEN");
  ::unsetenv("FIREDRILL_CA_FILE");
  INFO(untrusted);
  INFO(acked);
  // The team marked recovery (no probes); the lead ends the practice, which restores the fault.
  REQUIRE(Eventually([&] { return Has(EventKinds(state, "daemon-tls"), "ack-recovered"); }, 10s));
  CHECK(Cli(tmp.path(), {"abort", "--state", state.string(), "--drill", "daemon-tls", "--reason",
                         "practice is over"}) == kExitOk);
  CHECK(Eventually([&] { return !fs::exists(marker) && StateOf(state, "daemon-tls") == "done"; },
                   20s));
  CHECK(RunOutcomeOf(state, "daemon-tls") == "recovered-by-team");
  auto kinds = EventKinds(state, "daemon-tls");
  CHECK(Has(kinds, "ack-recovered"));
  CHECK_FALSE(Has(kinds, "ack-detected"));
  // Commands on this host find the daemon through control.json and trust its certificate.
  std::string listed;
  CHECK(Cli(tmp.path(), {"status", "--state", state.string(), "daemon-tls"}, &listed) == kExitOk);
  CHECK_THAT(listed, Catch::Contains("daemon-tls"));
  serve.Signal(SIGTERM);
  CHECK(serve.Wait() == kExitOk);
}

TEST_CASE("daemon: a FIREDRILL_API that cannot be used is an error, never a local fallback",
          "[daemon]") {
  TempDir tmp;
  fs::path local = tmp.path() / "local-state";
  fs::path drill = WriteDrill(tmp.path(), "api-named", tmp.path() / "m", 1h, 10min);
  ::setenv("FIREDRILL_TOKEN", "fdt_00000000_x", 1);
  for (const char* api : {"drills.example.com:8470", "127.0.0.1:1"}) {
    INFO(api);
    ::setenv("FIREDRILL_API", api, 1);
    std::string out;
    CHECK(Cli(tmp.path(), {"schedule", "--state", local.string(), drill.string()}, &out) !=
          kExitOk);
    CHECK_THAT(out, Catch::Contains("clear text") || Catch::Contains("cannot connect"));
    CHECK(Cli(tmp.path(), {"list", "--state", local.string()}, &out) != kExitOk);
    CHECK(Cli(tmp.path(), {"status", "--state", local.string(), "api-named"}, &out) != kExitOk);
    CHECK(Cli(tmp.path(), {"cancel", "--state", local.string(), "api-named", "--reason", "x"},
              &out) != kExitOk);
  }
  ::unsetenv("FIREDRILL_API");
  ::unsetenv("FIREDRILL_TOKEN");
  CHECK_FALSE(fs::exists(local));  // nothing was written on the caller's side
}

// The daemon under abuse: restarts on a busy port, slow clients, oversized bodies, file modes
// and the case of the bearer scheme, against the real `firedrill serve`.
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

// A port that was free a moment ago on 127.0.0.1.
std::uint16_t FreePort() {
  asio::io_context io;
  tcp::acceptor a(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A connection to 127.0.0.1:`port` from `source` (loopback takes any 127.x.y.z), which sends the
// start of a request head and then nothing: a slow client.
struct SlowClient {
  SlowClient(asio::io_context& io, const std::string& source, std::uint16_t port) : socket(io) {
    socket.open(tcp::v4());
    socket.bind({asio::ip::make_address_v4(source), 0});
    socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
    asio::write(socket, asio::buffer(std::string_view(
                            "POST /v1/alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
  }
  tcp::socket socket;
};

// One request over a fresh connection: the status, or 0 if the connection failed (`error` says
// why).
int Post(std::uint16_t port, const std::string& target, const std::string& authorization,
         const std::string& body, std::string* error = nullptr) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.body() = body;
  req.prepare_payload();
  // The whole request first, then the answer: what simple clients (Python's http.client) do.
  if (!ec) http::write(socket, req, ec);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(socket, buffer, res, ec);
  if (ec) {
    if (error != nullptr) *error = ec.message();
    return 0;
  }
  return static_cast<int>(res.result_int());
}

std::string MetricsOf(Serve& serve) {
  ControlResponse r = serve.Send("GET", "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("daemon: restarted on its port after SIGKILL, it listens again within a second",
          "[daemon][abuse]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  std::uint16_t port = FreePort();
  std::vector<std::string> args{"serve", "--state", state.string(), "--listen",
                                "127.0.0.1:" + std::to_string(port)};
  fs::create_directories(tmp.path() / "first");
  fs::create_directories(tmp.path() / "second");
  asio::io_context io;
  tcp::socket held(io);
  std::chrono::milliseconds fresh{};
  {
    auto launched = std::chrono::steady_clock::now();
    Firedrill first(tmp.path() / "first", args);
    REQUIRE(Eventually([&] { return FindControlEndpoint(state).ok(); }, 10s));
    fresh = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  launched);
    ControlEndpoint e = *FindControlEndpoint(state);
    REQUIRE(e.port == port);
    // Connections the daemon closed first (Connection: close): TIME-WAIT on its side ...
    for (int i = 0; i < 3; ++i) {
      auto r = SendControl(e, "GET", "/v1/drills", "", 10s);
      REQUIRE(r.ok());
      CHECK(r->status == 200);
    }
    // ... and one still open when it dies.
    held.connect({asio::ip::make_address_v4("127.0.0.1"), port});
    first.Signal(SIGKILL);
    first.Wait();
  }
  auto started = std::chrono::steady_clock::now();
  Firedrill second(tmp.path() / "second", args);
  // control.json is written once the socket listens; the dead daemon's one is stale until then.
  bool up = Eventually([&] { return FindControlEndpoint(state).ok(); }, 10s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  INFO(second.Output());
  REQUIRE(up);
  std::printf(
      "restart after SIGKILL: listening on port %u after %lld ms (a fresh start: %lld ms)\n",
      static_cast<unsigned>(port), static_cast<long long>(took.count()),
      static_cast<long long>(fresh.count()));
  // Within a second of what starting costs on this machine now (a sanitizer build under a
  // parallel test load takes over a second just to start): the restart never waits on the port.
  CHECK(took < fresh + 1s);
  CHECK_THAT(second.Output(), !Catch::Contains("in use"));
  CheckDocOutput("serve-started", second.Output(), {{"/tmp/fd-try", state.string()}});
  auto r = SendControl(state, "GET", "/v1/drills", "", 10s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  second.Signal(SIGTERM);
  CHECK(second.Wait() == kExitOk);
}

TEST_CASE("daemon: slow clients holding every connection do not lock out an alert webhook",
          "[daemon][abuse]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Serve serve(tmp.path(), state);
  asio::io_context io;
  std::vector<std::unique_ptr<SlowClient>> slow;
  // As many as the daemon serves at once (64), each from an address of its own (127.0.0.2 ...),
  // so that a limit per client address alone would not save the webhook.
  for (int i = 0; i < 64; ++i) {
    slow.push_back(
        std::make_unique<SlowClient>(io, "127.0.0." + std::to_string(2 + i), serve.endpoint.port));
  }
  auto started = std::chrono::steady_clock::now();
  std::string error;
  int status =
      Post(serve.endpoint.port, "/v1/alerts/alertmanager", std::string("Bearer ") + kAlertToken,
           AlertmanagerBody("firing", "SlowLoris", NowUtc()), &error);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  INFO(error);
  CHECK(status == 200);
  std::printf("webhook with 64 slow clients holding the connections: %d after %lld ms\n", status,
              static_cast<long long>(took.count()));
  CHECK(took < 1s);
  // The command line gets through as well.
  std::string out;
  CHECK(Cli(tmp.path(), {"list", "--state", state.string()}, &out) == kExitOk);
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: a 5 MB body gets 413, not a broken pipe, and a drill over 1 MiB is refused",
          "[daemon][abuse]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Serve serve(tmp.path(), state);
  std::string error;
  CHECK(Post(serve.endpoint.port, "/v1/drills", "Bearer " + serve.endpoint.token,
             std::string(5 * 1000 * 1000, ' '), &error) == 413);
  INFO(error);
  CHECK(Post(serve.endpoint.port, "/v1/alerts/alertmanager", std::string("Bearer ") + kAlertToken,
             std::string(5 * 1000 * 1000, ' '), &error) == 413);
  // A drill file over 1 MiB (docs/drill-file.md) in a body under the daemon's 2 MiB.
  fs::path file = WriteDrill(tmp.path(), "huge", tmp.path() / "h", 1h, 10min);
  std::string source;
  {
    std::ifstream in(file);
    source.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  source += "# " + std::string(1500 * 1000, 'x') + "\n";
  ControlResponse huge =
      serve.Send("POST", "/v1/drills",
                 json::serialize(json::object{{"file", "huge.toml"}, {"source", source}}));
  CHECK(huge.status == 413);
  CHECK_THAT(huge.body, Catch::Contains("1048576"));
  CHECK(StateOf(state, "huge").empty());
  std::string metrics = MetricsOf(serve);
  CHECK_THAT(metrics, Catch::Contains("firedrill_http_responses_total{code=\"413\"} 3"));
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: the state database, its -wal and -shm, control.json and the key are 0600",
          "[daemon][abuse]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path marker = tmp.path() / "m";
  // A umask that lets everyone read new files, as on many systems.
  mode_t old_umask = ::umask(022);
  fs::path file = WriteDrill(tmp.path(), "modes", marker, 1s, 1s);
  REQUIRE(Cli(tmp.path(), {"schedule", "--state", state.string(), "--override-lead", kOpensSoon,
                           file.string()}) == kExitOk);
  struct stat created {};
  REQUIRE(::stat((state / "firedrill.db").c_str(), &created) == 0);
  CHECK((created.st_mode & 0777) == 0600);
  // As an earlier version left it: the daemon narrows it again.
  REQUIRE(::chmod((state / "firedrill.db").c_str(), 0644) == 0);
  Serve serve(tmp.path(), state);
  ::umask(old_umask);
  // The run ends with a signed checkpoint, which makes the key.
  REQUIRE(Eventually([&] { return StateOf(state, "modes") == "done"; }, 30s));
  REQUIRE(Eventually([&] { return fs::exists(state / "checkpoint-key.pem"); }, 10s));
  for (const char* name : {"firedrill.db", "firedrill.db-wal", "firedrill.db-shm", "control.json",
                           "checkpoint-key.pem"}) {
    INFO(name);
    struct stat st {};
    REQUIRE(::stat((state / name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}

TEST_CASE("daemon: the bearer scheme is case-insensitive (RFC 7235), for webhooks and the API",
          "[daemon][abuse]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Serve serve(tmp.path(), state);
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    INFO(scheme);
    CHECK(Post(serve.endpoint.port, "/v1/alerts/alertmanager", scheme + std::string(kAlertToken),
               AlertmanagerBody("firing", "CaseOfTheScheme", NowUtc())) == 200);
    CHECK(Post(serve.endpoint.port, "/v1/drills/nope/brief", scheme + serve.endpoint.token,
               "{\"by\":\"ann\"}") == 404);  // authenticated: the drill is what is unknown
  }
  CHECK(Post(serve.endpoint.port, "/v1/drills/nope/brief", "Basic " + serve.endpoint.token,
             "{\"by\":\"ann\"}") == 401);
  serve.fd.Signal(SIGTERM);
  CHECK(serve.fd.Wait() == kExitOk);
}
