// The Grafana annotation bodies of a run's T0 and restore: the fields Grafana's HTTP API
// (POST /api/annotations) reads, and hostile titles kept as data.
#include "orchestrator/announce/grafana_annotation.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "tests/orchestrator/announce/invite_drill.h"

namespace firedrill {
namespace {

namespace json = boost::json;

}  // namespace

TEST_CASE("grafana annotation at T0 has the time in milliseconds and the drill's tags",
          "[announce][grafana]") {
  const Drill drill = testing::InviteDrill();
  const SysTime t0 = SysTime{std::chrono::milliseconds{1796600387897}};
  const json::object body =
      json::parse(GrafanaAnnotationJson(drill, AnnotationMoment::kInjected, t0, "run-1"))
          .as_object();
  CHECK(body.at("time").as_int64() == 1796600387897);
  CHECK(body.at("tags") ==
        json::array{"firedrill", "drill:checkout-db-blackhole", "service:checkout", "injected"});
  const std::string text(body.at("text").as_string());
  CHECK(text ==
        "firedrill drill checkout-db-blackhole (Checkout loses its PostgreSQL database): faults in "
        "place (T0), run run-1");
  // An organisation-wide annotation: no dashboard or panel is named.
  CHECK_FALSE(body.contains("dashboardUID"));
  CHECK_FALSE(body.contains("timeEnd"));
}

TEST_CASE("grafana annotation of the restore says why, and hostile text stays data",
          "[announce][grafana]") {
  Drill drill = testing::InviteDrill();
  drill.title = "\"}],\"tags\":[\"x\"]<script>";
  const json::object body =
      json::parse(GrafanaAnnotationJson(drill, AnnotationMoment::kRestore, SysTime{}, "run-2",
                                        "aborted by alice: real incident"))
          .as_object();
  CHECK(body.at("tags").as_array().back() == "restore");
  CHECK(body.at("tags").as_array().size() == 4);
  const std::string text(body.at("text").as_string());
  CHECK_THAT(text, Catch::Contains(drill.title) && Catch::Contains("restoring every fault") &&
                       Catch::EndsWith(": aborted by alice: real incident"));
}

}  // namespace firedrill
