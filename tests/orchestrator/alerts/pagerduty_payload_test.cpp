// PagerDuty v3 webhook bodies, modelled on PagerDuty's documented incident events.
#include <catch2/catch.hpp>
#include <string>

#include "drills/timestamp.h"
#include "orchestrator/alerts/alert_payload.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

const char* const kTriggered = R"({
  "event": {
    "id": "01DEN3F4PJJQ8WVZ2FHMGSQAAA",
    "event_type": "incident.triggered",
    "resource_type": "incident",
    "occurred_at": "2026-11-22T08:02:10.169Z",
    "agent": {"html_url": "https://acme.pagerduty.com/users/PLH1HKV", "id": "PLH1HKV",
              "self": "https://api.pagerduty.com/users/PLH1HKV", "summary": "Tenex Engineer",
              "type": "user_reference"},
    "client": null,
    "data": {
      "id": "PGR0VU2",
      "type": "incident",
      "self": "https://api.pagerduty.com/incidents/PGR0VU2",
      "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
      "number": 2,
      "status": "triggered",
      "incident_key": "d3640fbd41094207a1c11e58e46b1662",
      "created_at": "2026-11-22T08:02:09Z",
      "title": "Checkout latency above SLO",
      "service": {"html_url": "https://acme.pagerduty.com/services/PF9KMXH", "id": "PF9KMXH",
                  "self": "https://api.pagerduty.com/services/PF9KMXH",
                  "summary": "Checkout API", "type": "service_reference"},
      "assignees": [{"id": "PTUXL6G", "summary": "User 123", "type": "user_reference"}],
      "escalation_policy": {"id": "PUS0KTE", "summary": "Default",
                            "type": "escalation_policy_reference"},
      "teams": [{"id": "PFCVPS0", "summary": "Engineering", "type": "team_reference"}],
      "priority": {"id": "PSO75BM", "summary": "P1", "type": "priority_reference"},
      "urgency": "high",
      "conference_bridge": null,
      "resolve_reason": null
    }
  }
})";

using firedrill::testing::Replace;

TEST_CASE("pagerduty triggered incident maps to one firing alert", "[alerts]") {
  auto r = ParsePagerDutyWebhook(kTriggered);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  const Alert& a = (*r)[0];
  CHECK(a.source == "pagerduty");
  CHECK(a.status == "firing");
  CHECK(a.fingerprint == "PGR0VU2");
  CHECK(a.summary == "Checkout latency above SLO");
  REQUIRE(a.starts_at.has_value());
  CHECK(*a.starts_at == *ParseRfc3339("2026-11-22T08:02:09Z"));
  std::map<std::string, std::string> want{
      {"event_type", "incident.triggered"},
      {"title", "Checkout latency above SLO"},
      {"incident_status", "triggered"},
      {"urgency", "high"},
      {"incident_key", "d3640fbd41094207a1c11e58e46b1662"},
      {"service", "Checkout API"},
      {"service_id", "PF9KMXH"},
      {"priority", "P1"},
      {"priority_id", "PSO75BM"},
      {"escalation_policy", "Default"},
      {"escalation_policy_id", "PUS0KTE"},
  };
  CHECK(a.labels == want);
}

TEST_CASE("pagerduty acknowledged incident is still firing", "[alerts]") {
  std::string body = Replace(kTriggered, "incident.triggered", "incident.acknowledged");
  body = Replace(body, R"("status": "triggered")", R"("status": "acknowledged")");
  auto r = ParsePagerDutyWebhook(body);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].status == "firing");
  CHECK((*r)[0].labels.at("incident_status") == "acknowledged");
}

TEST_CASE("pagerduty resolved incident maps to a resolved alert", "[alerts]") {
  auto by_type =
      ParsePagerDutyWebhook(Replace(kTriggered, "incident.triggered", "incident.resolved"));
  REQUIRE(by_type.ok());
  CHECK((*by_type)[0].status == "resolved");
  auto by_status = ParsePagerDutyWebhook(
      Replace(kTriggered, R"("status": "triggered")", R"("status": "resolved")"));
  REQUIRE(by_status.ok());
  CHECK((*by_status)[0].status == "resolved");
}

TEST_CASE("pagerduty without created_at falls back to occurred_at", "[alerts]") {
  auto r =
      ParsePagerDutyWebhook(Replace(kTriggered, R"("created_at": "2026-11-22T08:02:09Z",)", ""));
  REQUIRE(r.ok());
  REQUIRE((*r)[0].starts_at.has_value());
  CHECK(*(*r)[0].starts_at == *ParseRfc3339("2026-11-22T08:02:10.169Z"));
}

TEST_CASE("pagerduty minimal incident with null references parses", "[alerts]") {
  auto r = ParsePagerDutyWebhook(
      R"({"event":{"event_type":"incident.triggered","data":{"id":"P1","type":"incident",
          "service":null,"priority":null}}})");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].fingerprint == "P1");
  CHECK_FALSE((*r)[0].starts_at.has_value());
  CHECK((*r)[0].labels == std::map<std::string, std::string>{{"event_type", "incident.triggered"}});
}

TEST_CASE("pagerduty ping event yields no alert", "[alerts]") {
  auto r = ParsePagerDutyWebhook(
      R"({"event":{"id":"01","event_type":"pagey.ping","resource_type":"pagey",
          "occurred_at":"2026-11-22T08:00:00Z","data":{"message":"Hello from your friend Pagey!",
          "type":"ping"}}})");
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("pagerduty non-incident resources are rejected by name", "[alerts]") {
  auto r = ParsePagerDutyWebhook(
      R"({"event":{"event_type":"service.updated","data":{"id":"PF9KMXH","type":"service"}}})");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("event.data.type") && Catch::Contains("service"));
}

TEST_CASE("pagerduty missing and mistyped fields are named", "[alerts]") {
  struct Case {
    std::string body;
    std::string message;
  };
  for (const Case& c : {
           Case{R"({"messages":[]})", "event: missing"},
           Case{R"({"event":[]})", "event: expected an object, got an array"},
           Case{R"({"event":{"data":{}}})", "event.event_type: missing"},
           Case{R"({"event":{"event_type":"incident.triggered"}})", "event.data: missing"},
           Case{R"({"event":{"event_type":"incident.triggered","data":{"type":"incident"}}})",
                "event.data.id: missing"},
           Case{
               R"({"event":{"event_type":"incident.triggered","data":{"id":5,"type":"incident"}}})",
               "event.data.id: expected a string, got a number"},
           Case{Replace(kTriggered, R"("title": "Checkout latency above SLO")", R"("title": {})"),
                "event.data.title: expected a string, got an object"},
           Case{Replace(kTriggered, R"("service": {"html_url")",
                        R"("service": 1, "x": {"html_url")"),
                "event.data.service: expected an object, got a number"},
       }) {
    INFO(c.body);
    auto r = ParsePagerDutyWebhook(c.body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == c.message);
  }
  auto time = ParsePagerDutyWebhook(Replace(kTriggered, "2026-11-22T08:02:09Z", "2026-11-22"));
  REQUIRE_FALSE(time.ok());
  CHECK_THAT(time.error().message, Catch::StartsWith("event.data.created_at: bad RFC 3339"));
}

}  // namespace
}  // namespace firedrill
