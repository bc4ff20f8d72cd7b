// Alertmanager and Grafana webhook bodies, modelled on what those systems send.
#include "orchestrator/alerts/alert_payload.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "drills/timestamp.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

const char* const kAlertmanagerFiring = R"({
  "version": "4",
  "groupKey": "{}:{alertname=\"HighLatency\"}",
  "truncatedAlerts": 0,
  "status": "firing",
  "receiver": "firedrill",
  "groupLabels": {"alertname": "HighLatency"},
  "commonLabels": {"alertname": "HighLatency", "severity": "page"},
  "commonAnnotations": {"summary": "p99 latency above 2s"},
  "externalURL": "http://alertmanager.example:9093",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "HighLatency", "service": "checkout", "severity": "page"},
      "annotations": {"summary": "checkout p99 latency above 2s", "runbook_url": "https://r"},
      "startsAt": "2026-11-22T08:00:01.123456789+01:00",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus.example:9090/graph?g0.expr=x",
      "fingerprint": "c4e1f7f2b0a1d3e5"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "HighLatency", "service": "cart", "severity": "page"},
      "annotations": {"description": "cart p99 latency above 2s"},
      "startsAt": "2026-11-22T06:58:00Z",
      "endsAt": "2026-11-22T07:10:00Z",
      "generatorURL": "http://prometheus.example:9090/graph?g0.expr=y",
      "fingerprint": "a9b8c7d6e5f40312"
    }
  ]
})";

using firedrill::testing::Replace;

TEST_CASE("alertmanager v4 payload yields one alert per element", "[alerts]") {
  auto r = ParseAlertmanagerWebhook(kAlertmanagerFiring);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  const Alert& a = (*r)[0];
  CHECK(a.source == "alertmanager");
  CHECK(a.status == "firing");
  CHECK(a.fingerprint == "c4e1f7f2b0a1d3e5");
  CHECK(a.labels.at("service") == "checkout");
  CHECK(a.labels.size() == 3);
  CHECK(a.summary == "checkout p99 latency above 2s");
  REQUIRE(a.starts_at.has_value());
  CHECK(*a.starts_at == *ParseRfc3339("2026-11-22T07:00:01.123Z"));
  const Alert& b = (*r)[1];
  CHECK(b.status == "resolved");
  CHECK(b.summary == "cart p99 latency above 2s");
}

TEST_CASE("alertmanager resolved group payload parses", "[alerts]") {
  std::string body = Replace(kAlertmanagerFiring, R"("status": "firing",
  "receiver")",
                             R"("status": "resolved",
  "receiver")");
  auto r = ParseAlertmanagerWebhook(body);
  REQUIRE(r.ok());
  CHECK(r->size() == 2);
}

TEST_CASE("alertmanager payload with no alerts yields an empty list", "[alerts]") {
  auto r = ParseAlertmanagerWebhook(R"({"version":"4","status":"resolved","alerts":[]})");
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("alertmanager zero startsAt leaves starts_at empty", "[alerts]") {
  auto r = ParseAlertmanagerWebhook(
      R"({"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},
          "startsAt":"0001-01-01T00:00:00Z","fingerprint":"f"}]})");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK_FALSE((*r)[0].starts_at.has_value());
}

TEST_CASE("alertmanager endsAt is read, the zero time and its absence give none", "[alerts]") {
  auto r = ParseAlertmanagerWebhook(kAlertmanagerFiring);
  REQUIRE(r.ok());
  CHECK_FALSE((*r)[0].ends_at.has_value());  // firing: Alertmanager sends the zero time
  REQUIRE((*r)[1].ends_at.has_value());
  CHECK(*(*r)[1].ends_at == *ParseRfc3339("2026-11-22T07:10:00Z"));
  auto without = ParseAlertmanagerWebhook(
      R"({"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},
          "startsAt":"2026-11-22T07:00:00Z","fingerprint":"f"}]})");
  REQUIRE(without.ok());
  CHECK_FALSE((*without)[0].ends_at.has_value());
  auto bad = ParseAlertmanagerWebhook(Replace(kAlertmanagerFiring, "2026-11-22T07:10:00Z", "soon"));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::StartsWith("alerts[1].endsAt: "));
}

TEST_CASE("alertmanager rejects other payload versions by name", "[alerts]") {
  for (const char* v : {R"("3")", R"("5")", R"("")"}) {
    std::string body = Replace(kAlertmanagerFiring, R"("4")", v);
    auto r = ParseAlertmanagerWebhook(body);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("version") && Catch::Contains("only \"4\""));
  }
  auto number = ParseAlertmanagerWebhook(Replace(kAlertmanagerFiring, R"("4")", "4"));
  REQUIRE_FALSE(number.ok());
  CHECK(number.error().message == "version: expected a string, got a number");
  auto missing = ParseAlertmanagerWebhook(R"({"status":"firing","alerts":[]})");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "version: missing");
}

TEST_CASE("alertmanager names missing fields with their path", "[alerts]") {
  struct Case {
    std::string_view from;
    std::string_view to;
    std::string_view path;
  };
  for (const Case& c :
       {Case{R"("fingerprint": "a9b8c7d6e5f40312")", R"("x": 1)", "alerts[1].fingerprint"},
        Case{R"("startsAt": "2026-11-22T06:58:00Z",)", "", "alerts[1].startsAt"},
        Case{R"("status": "resolved",)", "", "alerts[1].status"},
        Case{R"("labels": {"alertname": "HighLatency", "service": "cart",)",
             R"("x": {"alertname": "HighLatency", "service": "cart",)", "alerts[1].labels"}}) {
    auto r = ParseAlertmanagerWebhook(Replace(kAlertmanagerFiring, c.from, c.to));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == std::string(c.path) + ": missing");
  }
  auto no_alerts = ParseAlertmanagerWebhook(R"({"version":"4","status":"firing"})");
  REQUIRE_FALSE(no_alerts.ok());
  CHECK(no_alerts.error().message == "alerts: missing");
}

TEST_CASE("alertmanager names fields of the wrong type", "[alerts]") {
  auto label = ParseAlertmanagerWebhook(
      Replace(kAlertmanagerFiring, R"("service": "cart")", R"("service": 7)"));
  REQUIRE_FALSE(label.ok());
  CHECK(label.error().message == "alerts[1].labels.service: expected a string, got a number");

  auto labels = ParseAlertmanagerWebhook(
      Replace(kAlertmanagerFiring,
              R"({"alertname": "HighLatency", "service": "cart", "severity": "page"})", "[]"));
  REQUIRE_FALSE(labels.ok());
  CHECK(labels.error().message == "alerts[1].labels: expected an object, got an array");

  auto alerts = ParseAlertmanagerWebhook(R"({"version":"4","status":"firing","alerts":{}})");
  REQUIRE_FALSE(alerts.ok());
  CHECK(alerts.error().message == "alerts: expected an array, got an object");

  auto element = ParseAlertmanagerWebhook(R"({"version":"4","status":"firing","alerts":[null]})");
  REQUIRE_FALSE(element.ok());
  CHECK(element.error().message == "alerts[0]: expected an object, got null");

  auto status = ParseAlertmanagerWebhook(
      Replace(kAlertmanagerFiring, R"("status": "resolved")", R"("status": "pending")"));
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message,
             Catch::Contains("alerts[1].status") && Catch::Contains("\"firing\" or \"resolved\""));

  auto time = ParseAlertmanagerWebhook(
      Replace(kAlertmanagerFiring, "2026-11-22T06:58:00Z", "yesterday at noon"));
  REQUIRE_FALSE(time.ok());
  CHECK_THAT(time.error().message,
             Catch::StartsWith("alerts[1].startsAt: bad RFC 3339 time \"yesterday at noon\""));
}

TEST_CASE("alert payload parsers reject text that is not a JSON object", "[alerts]") {
  for (std::string_view body :
       {std::string_view(""), std::string_view("not json"), std::string_view("{\"version\":"),
        std::string_view("[1,2]"), std::string_view("\"4\""), std::string_view("{} trailing")}) {
    INFO(body);
    auto am = ParseAlertmanagerWebhook(body);
    REQUIRE_FALSE(am.ok());
    CHECK_THAT(am.error().message, Catch::StartsWith("Alertmanager payload"));
    auto gf = ParseGrafanaWebhook(body);
    REQUIRE_FALSE(gf.ok());
    CHECK_THAT(gf.error().message, Catch::StartsWith("Grafana payload"));
    auto pd = ParsePagerDutyWebhook(body);
    REQUIRE_FALSE(pd.ok());
    CHECK_THAT(pd.error().message, Catch::StartsWith("PagerDuty payload"));
  }
}

TEST_CASE("alert payload parsers reject deeply nested input without crashing", "[alerts]") {
  std::string deep = R"({"version":"4","status":"firing","alerts":[{"labels":)";
  for (int i = 0; i < 100000; ++i) deep += "[";
  auto r = ParseAlertmanagerWebhook(deep);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("not valid JSON"));
  std::string nested(5000, '{');
  CHECK_FALSE(ParsePagerDutyWebhook(nested).ok());
  CHECK_FALSE(ParseGrafanaWebhook(nested).ok());
}

TEST_CASE("alert payload parsers reject bodies over the size limit", "[alerts]") {
  std::string huge = R"({"version":"4","status":"firing","alerts":[],"pad":")";
  huge += std::string(kMaxAlertPayloadBytes, 'x');
  huge += "\"}";
  auto r = ParseAlertmanagerWebhook(huge);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("too large"));
}

TEST_CASE("alertmanager payload with many alerts keeps their order", "[alerts]") {
  std::string body = R"({"version":"4","status":"firing","alerts":[)";
  for (int i = 0; i < 500; ++i) {
    if (i > 0) body += ",";
    body += R"({"status":"firing","labels":{"n":")" + std::to_string(i) +
            R"("},"startsAt":"2026-11-22T08:00:00Z","fingerprint":"f)" + std::to_string(i) + "\"}";
  }
  body += "]}";
  auto r = ParseAlertmanagerWebhook(body);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 500);
  CHECK((*r)[499].labels.at("n") == "499");
  CHECK((*r)[499].fingerprint == "f499");
}

const char* const kGrafanaFiring = R"json({
  "receiver": "firedrill",
  "status": "firing",
  "orgId": 1,
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "CheckoutErrors", "grafana_folder": "Shop", "team": "payments"},
      "annotations": {"summary": "5xx ratio above 5%"},
      "startsAt": "2026-11-22T08:01:00+01:00",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
      "fingerprint": "57c6d9296de2ad39",
      "silenceURL": "https://grafana.example/alerting/silence/new",
      "dashboardURL": "",
      "panelURL": "",
      "values": {"B": 0.07, "C": 1},
      "valueString": "[ var='B' labels={} value=0.07 ]"
    }
  ],
  "groupLabels": {"alertname": "CheckoutErrors"},
  "commonLabels": {"alertname": "CheckoutErrors", "team": "payments"},
  "commonAnnotations": {"summary": "5xx ratio above 5%"},
  "externalURL": "https://grafana.example/",
  "version": "1",
  "groupKey": "{}:{alertname=\"CheckoutErrors\"}",
  "truncatedAlerts": 0,
  "title": "[FIRING:1] CheckoutErrors Shop (payments)",
  "state": "alerting",
  "message": "**Firing**\n\nValue: B=0.07"
})json";

TEST_CASE("grafana unified alerting payload parses", "[alerts]") {
  auto r = ParseGrafanaWebhook(kGrafanaFiring);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  const Alert& a = (*r)[0];
  CHECK(a.source == "grafana");
  CHECK(a.status == "firing");
  CHECK(a.fingerprint == "57c6d9296de2ad39");
  CHECK(a.labels.at("team") == "payments");
  CHECK(a.summary == "5xx ratio above 5%");
  REQUIRE(a.starts_at.has_value());
  CHECK(*a.starts_at == *ParseRfc3339("2026-11-22T07:01:00Z"));
}

TEST_CASE("grafana resolved alert and missing fingerprint are accepted", "[alerts]") {
  std::string body = Replace(kGrafanaFiring, R"("status": "firing",
      "labels")",
                             R"("status": "resolved",
      "labels")");
  body = Replace(body, R"("fingerprint": "57c6d9296de2ad39",)", "");
  auto r = ParseGrafanaWebhook(body);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].status == "resolved");
  CHECK((*r)[0].fingerprint.empty());
}

TEST_CASE("grafana payload errors name the field", "[alerts]") {
  auto labels = ParseGrafanaWebhook(Replace(kGrafanaFiring, R"("team": "payments"},
      "annotations")",
                                            R"("team": null},
      "annotations")"));
  REQUIRE_FALSE(labels.ok());
  CHECK(labels.error().message == "alerts[0].labels.team: expected a string, got null");
  auto fp = ParseGrafanaWebhook(Replace(kGrafanaFiring, R"("57c6d9296de2ad39")", "true"));
  REQUIRE_FALSE(fp.ok());
  CHECK(fp.error().message == "alerts[0].fingerprint: expected a string, got a boolean");
  auto legacy = ParseGrafanaWebhook(
      R"({"title":"[Alerting] CPU","ruleName":"CPU","state":"alerting","evalMatches":[]})");
  REQUIRE_FALSE(legacy.ok());
  CHECK_THAT(legacy.error().message, Catch::Contains("legacy Grafana"));
  auto none = ParseGrafanaWebhook(R"({"orgId":1,"state":"alerting"})");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message == "alerts: missing");
}

TEST_CASE("IsGoZeroTime recognizes Go's zero time", "[alerts]") {
  CHECK(IsGoZeroTime("0001-01-01T00:00:00Z"));
  CHECK_FALSE(IsGoZeroTime("2026-11-22T07:52:38Z"));
  CHECK_FALSE(IsGoZeroTime("garbage"));
}

}  // namespace
}  // namespace firedrill
