// The /metrics text: every family with HELP and TYPE, labels escaped, censored TTR left out.
#include "orchestrator/daemon/daemon_metrics.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

namespace firedrill {
namespace {

using namespace std::chrono_literals;

TEST_CASE("metrics render every family, with zeros for absent states", "[daemon]") {
  MetricsSnapshot m;
  m.drills_by_state["scheduled"] = 3;
  m.runs_by_phase["active"] = 1;
  m.faults_in_place = 2;
  m.last_by_service["checkout"] = ServiceTimes{90s, 45s, std::chrono::minutes(4), true};
  m.last_by_service["pay\"ments"] = ServiceTimes{std::nullopt, std::nullopt, 10s, false};
  m.restore_failures = 1;
  m.webhook_deliveries[{"alertmanager", "accepted"}] = 7;
  m.notices["failed"] = 2;
  m.alerts_dropped["grafana"] = 12;
  m.http.connections_open = 5;
  m.http.connections_accepted = 40;
  m.http.connections_displaced = 3;
  m.http.responses[200] = 30;
  m.http.responses[413] = 2;
  std::string text = RenderMetrics(m);
  CHECK_THAT(text, Catch::Contains("# TYPE firedrill_drills gauge\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_drills{state=\"scheduled\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_drills{state=\"cancelled\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_runs{phase=\"active\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_faults_in_place 2\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "firedrill_last_ttd_seconds{service=\"checkout\",source=\"human\"} 90.000\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "firedrill_last_ttd_seconds{service=\"checkout\",source=\"alert\"} 45.000\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_last_ttr_seconds{service=\"checkout\"} 240.000\n"));
  // Auto-restored: no TTR (censored), but the recovered gauge says so; the quote is escaped.
  CHECK_THAT(text, !Catch::Contains("firedrill_last_ttr_seconds{service=\"pay"));
  CHECK_THAT(text,
             Catch::Contains("firedrill_last_recovered_by_team{service=\"pay\\\"ments\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE firedrill_restore_failures_total counter\n"
                                   "firedrill_restore_failures_total 1\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_webhook_deliveries_total{source=\"alertmanager\","
                                   "result=\"accepted\"} 7\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_notices_total{result=\"failed\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE firedrill_alerts_dropped_total counter\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_alerts_dropped_total{source=\"grafana\"} 12\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_alerts_dropped_total{source=\"pagerduty\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_http_connections_open 5\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_http_connections_accepted_total 40\n"));
  CHECK_THAT(text, Catch::Contains(
                       "firedrill_http_connections_closed_early_total{reason=\"displaced\"} 3\n"));
  CHECK_THAT(text, Catch::Contains(
                       "firedrill_http_connections_closed_early_total{reason=\"refused\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_http_responses_total{code=\"413\"} 2\n"));
  // Every sample line belongs to a family announced with HELP and TYPE before it.
  std::istringstream lines(text);
  std::string family;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) family = line.substr(7, line.find(' ', 7) - 7);
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    CHECK(line.rfind(family, 0) == 0);
  }
}

}  // namespace

TEST_CASE("metrics carry each open drill window and each fault in place, for dashboards",
          "[daemon]") {
  MetricsSnapshot m;
  m.open_windows.push_back(OpenWindow{"checkout-db-blackhole", "checkout"});
  m.placed_faults.push_back(
      PlacedFault{"checkout-db-blackhole", "checkout", "reject-pg", "network.block", "db\"1"});
  const std::string text = RenderMetrics(m);
  CHECK_THAT(text, Catch::Contains("# TYPE firedrill_drill_window_open gauge\n"));
  CHECK_THAT(text, Catch::Contains("firedrill_drill_window_open{drill=\"checkout-db-blackhole\","
                                   "service=\"checkout\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE firedrill_fault_in_place gauge\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "firedrill_fault_in_place{drill=\"checkout-db-blackhole\",service=\"checkout\","
                 "fault=\"reject-pg\",kind=\"network.block\",target=\"db\\\"1\"} 1\n"));
  // No window open, no fault: the families are there, without series.
  const std::string idle = RenderMetrics(MetricsSnapshot{});
  CHECK_THAT(idle, Catch::Contains("# TYPE firedrill_drill_window_open gauge\n"));
  CHECK_THAT(idle, !Catch::Contains("firedrill_drill_window_open{"));
  CHECK_THAT(idle, !Catch::Contains("firedrill_fault_in_place{"));
}

}  // namespace firedrill
