#include "orchestrator/report/drill_facts.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "tests/orchestrator/report/recorded_runs.h"

using namespace firedrill;
using namespace std::chrono_literals;
using firedrill::testing::CheckoutDrillText;
using firedrill::testing::QuietDrillText;
namespace json = boost::json;

namespace {

Drill Load(const std::string& text) {
  LoadResult r = LoadDrillText(text, "drill.toml", BuiltinFaults());
  INFO((r.diagnostics.empty() ? std::string() : r.diagnostics.front().ToString()));
  REQUIRE(r.ok());
  return std::move(*r.drill);
}

// The facts as they come back from the record: serialized, stored, parsed again.
std::optional<DrillFacts> ThroughText(const json::object& o) {
  return ParseDrillFacts(json::parse(json::serialize(o)));
}

}  // namespace

TEST_CASE("drill facts hold what the audit reads and survive the record unchanged",
          "[report][audit]") {
  Drill checkout = Load(CheckoutDrillText("d"));
  DrillFacts f = DrillFactsOf(checkout);
  CHECK(f.service == "checkout");
  CHECK(f.zone == "Europe/Copenhagen");
  CHECK(f.announce_lead == Duration(72h));
  CHECK(!f.briefing_required);
  CHECK(f.grace == Duration(10min));
  CHECK(f.detect_within == Duration(5min));
  CHECK(f.recover_within == Duration(15min));
  CHECK(f.has_probes);
  CHECK(f.probe_guards == std::vector<GuardLimit>{{"checkout-down-too-long", 10min}});

  json::object j = DrillFactsJson(checkout);
  CHECK(j.at("announce_lead_ms").as_int64() == 259'200'000);
  CHECK(j.at("grace_ms").as_int64() == 600'000);
  CHECK(j.at("detect_within_ms").as_int64() == 300'000);
  CHECK(j.at("probe_guards").at(0).at("max_red_ms").as_int64() == 600'000);
  CHECK(j == DrillFactsJson(f));
  CHECK(ParseDrillFacts(j) == f);
  CHECK(ThroughText(j) == f);

  Drill quiet = Load(QuietDrillText("quiet"));
  DrillFacts q = DrillFactsOf(quiet);
  CHECK(q.briefing_required);
  CHECK(q.zone == "UTC");
  CHECK(q.grace == Duration(2min));
  CHECK(!q.detect_within);
  CHECK(!q.recover_within);
  CHECK(!q.has_probes);
  CHECK(q.probe_guards.empty());
  json::object qj = DrillFactsJson(quiet);
  CHECK(!qj.contains("detect_within_ms"));
  CHECK(!qj.contains("recover_within_ms"));
  CHECK(ThroughText(qj) == q);
}

TEST_CASE("ParseDrillFacts reads nothing rather than half of a malformed record",
          "[report][audit]") {
  json::object good = DrillFactsJson(Load(CheckoutDrillText("d")));
  REQUIRE(ParseDrillFacts(good));
  CHECK(!ParseDrillFacts(json::value(nullptr)));
  CHECK(!ParseDrillFacts(json::value("facts")));
  CHECK(!ParseDrillFacts(json::array{good}));
  CHECK(!ParseDrillFacts(json::object{}));

  auto without = [&](const char* key) {
    json::object o = good;
    o.erase(key);
    return ParseDrillFacts(o);
  };
  auto with = [&](const char* key, json::value v) {
    json::object o = good;
    o[key] = std::move(v);
    return ParseDrillFacts(o);
  };
  for (const char* key :
       {"service", "announce_lead_ms", "briefing_required", "grace_ms", "has_probes"}) {
    INFO(key);
    CHECK(!without(key));
  }
  // Optional keys: absent (or a null objective) means not set.
  CHECK(without("zone")->zone.empty());
  CHECK(!without("detect_within_ms")->detect_within);
  CHECK(!with("recover_within_ms", nullptr)->recover_within);
  CHECK(without("probe_guards")->probe_guards.empty());
  // Wrong types, negative or fractional durations.
  CHECK(!with("service", 1));
  CHECK(!with("grace_ms", "10m"));
  CHECK(!with("announce_lead_ms", -1));
  CHECK(!with("detect_within_ms", 1.5));
  CHECK(!with("has_probes", "yes"));
  CHECK(!with("zone", false));
  CHECK(!with("probe_guards", json::array{json::object{{"name", "g"}}}));
  CHECK(!with("probe_guards", json::object{}));
  // Keys a later version may add are ignored.
  CHECK(with("something_new", 7) == ParseDrillFacts(good));
}
