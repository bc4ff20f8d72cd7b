#include "orchestrator/alerts/alert_match.h"

#include <catch2/catch.hpp>
#include <chrono>

namespace firedrill {
namespace {

using namespace std::chrono;

const SysTime kT0 = sys_days{year{2026} / 11 / 22} + hours{8};

Alert Make(std::string fp, std::string status, std::optional<SysTime> starts,
           std::map<std::string, std::string> labels) {
  Alert a;
  a.source = "alertmanager";
  a.fingerprint = std::move(fp);
  a.status = std::move(status);
  a.starts_at = starts;
  a.labels = std::move(labels);
  return a;
}

TEST_CASE("alert match requires every match key with an equal value", "[alerts]") {
  Alert a = Make("f", "firing", kT0, {{"alertname", "HighLatency"}, {"service", "checkout"}});
  CHECK(AlertMatches(a, {{"alertname", "HighLatency"}}));
  CHECK(AlertMatches(a, {{"alertname", "HighLatency"}, {"service", "checkout"}}));
  CHECK_FALSE(AlertMatches(a, {{"alertname", "HighLatency"}, {"service", "cart"}}));
  CHECK_FALSE(AlertMatches(a, {{"alertname", "HighLatency"}, {"team", "payments"}}));
  CHECK_FALSE(AlertMatches(a, {{"alertname", "highlatency"}}));
}

TEST_CASE("alert match with an empty match never matches", "[alerts]") {
  Alert a = Make("f", "firing", kT0, {{"alertname", "HighLatency"}});
  CHECK_FALSE(AlertMatches(a, {}));
  Alert unlabelled = Make("g", "firing", kT0, {});
  CHECK_FALSE(AlertMatches(unlabelled, {}));
}

TEST_CASE("alert match treats an empty label value as a value", "[alerts]") {
  Alert a = Make("f", "firing", kT0, {{"env", ""}});
  CHECK(AlertMatches(a, {{"env", ""}}));
  Alert b = Make("g", "firing", kT0, {});
  CHECK_FALSE(AlertMatches(b, {{"env", ""}}));
}

TEST_CASE("first matching alert after t0 picks the earliest firing one", "[alerts]") {
  std::map<std::string, std::string> match{{"alertname", "HighLatency"}};
  std::vector<Alert> alerts{
      Make("late", "firing", kT0 + minutes{5}, {{"alertname", "HighLatency"}}),
      Make("before", "firing", kT0 - seconds{1}, {{"alertname", "HighLatency"}}),
      Make("resolved", "resolved", kT0 + minutes{1}, {{"alertname", "HighLatency"}}),
      Make("other", "firing", kT0 + minutes{1}, {{"alertname", "DiskFull"}}),
      Make("no-time", "firing", std::nullopt, {{"alertname", "HighLatency"}}),
      Make("early", "firing", kT0 + minutes{2}, {{"alertname", "HighLatency"}}),
  };
  auto got = FirstMatchingAfter(alerts, match, kT0);
  REQUIRE(got.has_value());
  CHECK(got->fingerprint == "early");
}

TEST_CASE("first matching alert after t0 includes an alert starting exactly at t0", "[alerts]") {
  std::vector<Alert> alerts{Make("at", "firing", kT0, {{"a", "b"}})};
  auto got = FirstMatchingAfter(alerts, {{"a", "b"}}, kT0);
  REQUIRE(got.has_value());
  CHECK(got->fingerprint == "at");
}

TEST_CASE("first matching alert after t0 keeps input order on equal start times", "[alerts]") {
  std::vector<Alert> alerts{Make("one", "firing", kT0, {{"a", "b"}}),
                            Make("two", "firing", kT0, {{"a", "b"}})};
  auto got = FirstMatchingAfter(alerts, {{"a", "b"}}, kT0);
  REQUIRE(got.has_value());
  CHECK(got->fingerprint == "one");
}

TEST_CASE("first matching alert after t0 is empty when nothing qualifies", "[alerts]") {
  std::vector<Alert> alerts{Make("before", "firing", kT0 - milliseconds{1}, {{"a", "b"}}),
                            Make("resolved", "resolved", kT0, {{"a", "b"}})};
  CHECK_FALSE(FirstMatchingAfter(alerts, {{"a", "b"}}, kT0).has_value());
  CHECK_FALSE(FirstMatchingAfter({}, {{"a", "b"}}, kT0).has_value());
  CHECK_FALSE(FirstMatchingAfter(alerts, {}, kT0 - hours{1}).has_value());
}

}  // namespace
}  // namespace firedrill
