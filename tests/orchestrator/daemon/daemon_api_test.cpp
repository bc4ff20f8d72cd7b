// The daemon's API on its own: roles per route, webhook proofs, fields, against a DaemonOps that
// records what it was asked.
#include "orchestrator/daemon/daemon_api.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "orchestrator/control/control_server.h"
#include "tests/support/hmac_signature.h"

namespace firedrill {
namespace {

class RecordingOps : public DaemonOps {
 public:
  std::vector<std::string> calls;
  std::vector<Alert> alerts;
  std::vector<std::string> webhooks;

  ControlResponse List() override { return Called("list"); }
  ControlResponse DrillStatus(const std::string& id) override { return Called("status " + id); }
  ControlResponse Schedule(const std::string& file, const std::string&, const std::string& by,
                           const std::string& lead_override) override {
    return Called("schedule " + file + " by " + by + " override " + lead_override);
  }
  ControlResponse Cancel(const std::string& id, const std::string& reason,
                         const std::string& by) override {
    return Called("cancel " + id + " " + reason + " by " + by);
  }
  ControlResponse Brief(const std::string& id, const std::string& by, const std::string&) override {
    return Called("brief " + id + " by " + by);
  }
  ControlResponse AddBlackout(const std::string& name, SysTime, SysTime,
                              const std::string& by) override {
    return Called("blackout " + name + " by " + by);
  }
  ControlResponse Blackouts() override { return Called("blackouts"); }
  ControlResponse FreezeState() override { return Called("freeze?"); }
  ControlResponse Freeze(const std::string& reason, const std::string& by) override {
    return Called("freeze " + reason + " by " + by);
  }
  ControlResponse Unfreeze(const std::string& reason, const std::string& by) override {
    return Called("unfreeze " + reason + " by " + by);
  }
  ControlResponse ToRun(const std::string& id, const ControlRequest& r) override {
    return Called("run " + id + " " + r.route);
  }
  void Alerts(const std::string&, const std::vector<Alert>& a) override {
    alerts.insert(alerts.end(), a.begin(), a.end());
  }
  void CountWebhook(const std::string& source, const std::string& result) override {
    webhooks.push_back(source + " " + result);
  }
  std::string Metrics() override {
    calls.push_back("metrics");
    return "firedrill_up 1\n";
  }
  std::optional<std::string> TokenRole(std::string_view token) override {
    if (token == "responder-token") return "responder";
    if (token == "auditor-token") return "auditor";
    return std::nullopt;
  }

 private:
  ControlResponse Called(std::string what) {
    calls.push_back(std::move(what));
    return ControlResponse{200, "{}"};
  }
};

std::string PagerDutySignature(std::string_view secret, std::string_view body) {
  return testing::PagerDutyV1Signature(secret, body);
}

const std::string kAlertmanager =
    R"({"version":"4","status":"firing","receiver":"r","groupKey":"{}","alerts":[)"
    R"({"status":"firing","labels":{"alertname":"DemoDown"},"annotations":{},)"
    R"("startsAt":"2027-01-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}]})";

const std::string kPagerDuty =
    R"({"event":{"id":"E1","event_type":"incident.triggered","resource_type":"incident",)"
    R"("occurred_at":"2027-01-01T10:00:00Z","data":{"id":"P1","type":"incident",)"
    R"("status":"triggered","title":"Checkout down","created_at":"2027-01-01T10:00:00Z",)"
    R"("service":{"id":"S1","summary":"Checkout"}}}})";

struct Api {
  RecordingOps ops;
  DaemonApi api{ops, WebhookSecrets{"alert-secret", {"pd-secret"}}};

  ControlResponse Call(const std::string& method, const std::string& target,
                       const std::string& body, const std::string& role,
                       const std::string& authorization = "", const std::string& signature = "") {
    return DispatchControl(kDaemonRoutes, method, target, body, api,
                           ControlCaller{role, authorization, signature});
  }
};

TEST_CASE("each route needs its role: auditor reads, responder acks, lead changes", "[daemon]") {
  Api a;
  CHECK(a.Call("GET", "/v1/drills", "", "auditor").status == 200);
  CHECK(a.Call("GET", "/metrics", "", "auditor").status == 200);
  CHECK(a.Call("GET", "/v1/drills/x", "", "auditor").status == 200);
  ControlResponse r = a.Call("POST", "/v1/drills/x/ack", "{\"what\":\"detected\"}", "auditor");
  CHECK(r.status == 403);
  CHECK_THAT(r.body, Catch::Contains("needs the responder role"));
  CHECK(a.Call("POST", "/v1/drills/x/ack", "{\"what\":\"detected\"}", "responder").status == 200);
  CHECK(a.Call("POST", "/v1/drills/x/abort", "{\"reason\":\"r\"}", "responder").status == 403);
  CHECK(a.Call("POST", "/v1/drills/x/cancel", "{\"reason\":\"r\"}", "responder").status == 403);
  CHECK(a.Call("POST", "/v1/drills/x/brief", "{\"by\":\"bob\"}", "responder").status == 403);
  CHECK(a.Call("POST", "/v1/drills", "{\"source\":\"x\"}", "responder").status == 403);
  CHECK(a.Call("GET", "/v1/drills", "", "").status == 403);
  CHECK(a.ops.calls ==
        std::vector<std::string>{"list", "metrics", "status x", "run x /v1/drills/{id}/ack"});
  a.ops.calls.clear();
  CHECK(a.Call("POST", "/v1/drills/x/abort", "{\"reason\":\"r\"}", "lead").status == 200);
  CHECK(a.Call("POST", "/v1/drills/x/cancel", "{\"reason\":\"freeze\",\"by\":\"ann\"}", "lead")
            .status == 200);
  CHECK(a.Call("POST", "/v1/drills/x/brief", "{\"by\":\"bob\"}", "lead").status == 200);
  CHECK(a.Call("POST", "/v1/drills",
               "{\"file\":\"f.toml\",\"source\":\"x\",\"by\":\"ann\",\"lead_override\":\"p\"}",
               "lead")
            .status == 200);
  CHECK(a.Call("POST", "/v1/drills", "{\"file\":\"f.toml\"}", "lead").status == 400);
  CHECK(a.Call("POST", "/v1/blackouts",
               "{\"name\":\"freeze\",\"start\":\"2027-12-20T00:00:00+01:00\","
               "\"end\":\"2028-01-02T00:00:00+01:00\",\"by\":\"ann\"}",
               "responder")
            .status == 403);
  CHECK(a.Call("POST", "/v1/blackouts",
               "{\"name\":\"freeze\",\"start\":\"next week\",\"end\":\"2028-01-02\"}", "lead")
            .status == 400);
  CHECK(a.Call("POST", "/v1/blackouts",
               "{\"name\":\"freeze\",\"start\":\"2027-12-20T00:00:00+01:00\","
               "\"end\":\"2028-01-02T00:00:00+01:00\",\"by\":\"ann\"}",
               "lead")
            .status == 200);
  CHECK(a.Call("GET", "/v1/blackouts", "", "auditor").status == 200);
  CHECK(a.ops.calls == std::vector<std::string>{"run x /v1/drills/{id}/abort",
                                                "cancel x freeze by ann", "brief x by bob",
                                                "schedule f.toml by ann override p",
                                                "blackout freeze by ann", "blackouts"});
}

TEST_CASE("freeze and unfreeze need the lead role, reading the freeze an auditor", "[daemon]") {
  Api a;
  CHECK(a.Call("GET", "/v1/freeze", "", "auditor").status == 200);
  for (const char* role : {"auditor", "responder"}) {
    ControlResponse r = a.Call("POST", "/v1/freeze", "{\"reason\":\"outage\"}", role);
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("needs the lead role"));
    CHECK(a.Call("POST", "/v1/unfreeze", "{}", role).status == 403);
  }
  CHECK(a.Call("POST", "/v1/freeze", "{\"reason\":\"outage\",\"by\":\"ann\"}", "lead").status ==
        200);
  CHECK(a.Call("POST", "/v1/unfreeze", "{\"reason\":\"over\",\"by\":\"ann\"}", "lead").status ==
        200);
  CHECK(a.ops.calls ==
        std::vector<std::string>{"freeze?", "freeze outage by ann", "unfreeze over by ann"});
}

TEST_CASE("alert webhooks prove themselves and change nothing when they cannot", "[daemon]") {
  Api a;
  CHECK(a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "").status == 401);
  CHECK(a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "", "Bearer wrong").status == 401);
  CHECK(a.Call("POST", "/v1/alerts/grafana", kAlertmanager, "", "Bearer auditor-token").status ==
        401);
  CHECK(a.ops.alerts.empty());
  CHECK(
      a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "", "Bearer alert-secret").status ==
      200);
  CHECK(a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "", "Bearer responder-token")
            .status == 200);
  REQUIRE(a.ops.alerts.size() == 2);
  CHECK(a.ops.alerts[0].fingerprint == "f1");
  ControlResponse bad =
      a.Call("POST", "/v1/alerts/alertmanager", "{\"version\":\"3\"}", "", "Bearer alert-secret");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("alertmanager payload rejected"));
  // The body is parsed only once the sender has proven itself: a stranger's malformed body
  // gets 401, a proven sender's gets 400 from the payload's own parser.
  CHECK(a.Call("POST", "/v1/alerts/alertmanager", "{not json", "", "Bearer wrong").status == 401);
  ControlResponse garbled =
      a.Call("POST", "/v1/alerts/grafana", "{not json", "", "Bearer alert-secret");
  CHECK(garbled.status == 400);
  CHECK_THAT(garbled.body, Catch::Contains("grafana payload rejected"));
  CHECK(a.Call("POST", "/v1/alerts/nagios", kAlertmanager, "", "Bearer alert-secret").status ==
        404);
  // PagerDuty: the HMAC of the exact body, never a bearer token.
  CHECK(a.Call("POST", "/v1/alerts/pagerduty", kPagerDuty, "", "Bearer alert-secret").status ==
        401);
  CHECK(a.Call("POST", "/v1/alerts/pagerduty", kPagerDuty, "", "",
               PagerDutySignature("other", kPagerDuty))
            .status == 401);
  CHECK(a.ops.alerts.size() == 2);
  CHECK(a.Call("POST", "/v1/alerts/pagerduty", kPagerDuty, "", "",
               PagerDutySignature("pd-secret", kPagerDuty))
            .status == 200);
  REQUIRE(a.ops.alerts.size() == 3);
  CHECK(a.ops.alerts[2].source == "pagerduty");
  CHECK(a.ops.webhooks ==
        std::vector<std::string>{
            "alertmanager unauthorized", "alertmanager unauthorized", "grafana unauthorized",
            "alertmanager accepted", "alertmanager accepted", "alertmanager rejected",
            "alertmanager unauthorized", "grafana rejected", "pagerduty unauthorized",
            "pagerduty unauthorized", "pagerduty accepted"});
}

TEST_CASE("a drill file over 1 MiB and an alert payload over 1 MiB are refused with 413",
          "[daemon]") {
  Api a;
  auto schedule = [&](std::size_t n) {
    return a.Call("POST", "/v1/drills",
                  boost::json::serialize(boost::json::object{{"source", std::string(n, '#')}}),
                  "lead");
  };
  ControlResponse big = schedule(kMaxDrillFileBytes + 1);
  CHECK(big.status == 413);
  CHECK_THAT(big.body, Catch::Contains("1048577 bytes, over the limit of 1048576 bytes"));
  CHECK(a.ops.calls.empty());
  CHECK(schedule(kMaxDrillFileBytes).status == 200);
  CHECK(a.ops.calls.size() == 1);

  std::string huge = kAlertmanager;
  huge.insert(huge.size() - 1, ",\"pad\":\"" + std::string(kMaxAlertPayloadBytes, 'x') + "\"");
  ControlResponse r = a.Call("POST", "/v1/alerts/alertmanager", huge, "", "Bearer alert-secret");
  CHECK(r.status == 413);
  CHECK(a.ops.alerts.empty());
  CHECK(a.ops.webhooks == std::vector<std::string>{"alertmanager too_large"});
}

TEST_CASE("the bearer scheme of a webhook is case-insensitive (RFC 7235), the token is not",
          "[daemon]") {
  Api a;
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    INFO(scheme);
    CHECK(a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "",
                 scheme + std::string("alert-secret"))
              .status == 200);
    CHECK(a.Call("POST", "/v1/alerts/grafana", kAlertmanager, "",
                 scheme + std::string("responder-token"))
              .status == 200);
  }
  CHECK(
      a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "", "Bearer ALERT-SECRET").status ==
      401);
  CHECK(a.Call("POST", "/v1/alerts/alertmanager", kAlertmanager, "", "Basic alert-secret").status ==
        401);
  CHECK(a.ops.alerts.size() == 8);
}

TEST_CASE("the metrics route answers Prometheus text", "[daemon]") {
  Api a;
  ControlResponse r = a.Call("GET", "/metrics", "", "auditor");
  CHECK(r.status == 200);
  CHECK_THAT(r.content_type, Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK(r.body == "firedrill_up 1\n");
}

}  // namespace
}  // namespace firedrill
