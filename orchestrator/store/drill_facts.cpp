#include "orchestrator/store/drill_facts.h"

#include <boost/json.hpp>
#include <cstdint>
#include <limits>

namespace firedrill {
namespace {

namespace json = boost::json;

// A duration in integer milliseconds; nullopt on anything else (fractions, negative, text).
std::optional<Duration> Ms(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64() && v->as_int64() >= 0) return Duration(v->as_int64());
  if (v->is_uint64() &&
      v->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Duration(static_cast<std::int64_t>(v->as_uint64()));
  }
  return std::nullopt;
}

// An optional duration key: absent or null is "not set" (true); anything but a duration is
// malformed (false).
bool OptionalMs(const json::object& o, std::string_view key, std::optional<Duration>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return true;
  out = Ms(v);
  return out.has_value();
}

}  // namespace

json::object DrillFactsJson(const DrillFacts& facts) {
  json::object o;
  o["service"] = facts.service;
  o["zone"] = facts.zone;
  o["announce_lead_ms"] = facts.announce_lead.count();
  o["briefing_required"] = facts.briefing_required;
  o["grace_ms"] = facts.grace.count();
  if (facts.detect_within) o["detect_within_ms"] = facts.detect_within->count();
  if (facts.recover_within) o["recover_within_ms"] = facts.recover_within->count();
  o["has_probes"] = facts.has_probes;
  json::array guards;
  for (const GuardLimit& g : facts.probe_guards) {
    guards.push_back(json::object{{"name", g.name}, {"max_red_ms", g.max_red.count()}});
  }
  o["probe_guards"] = std::move(guards);
  return o;
}

std::optional<DrillFacts> ParseDrillFacts(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  DrillFacts f;
  const json::value* service = o.if_contains("service");
  const json::value* briefing = o.if_contains("briefing_required");
  const json::value* probes = o.if_contains("has_probes");
  std::optional<Duration> lead = Ms(o.if_contains("announce_lead_ms"));
  std::optional<Duration> grace = Ms(o.if_contains("grace_ms"));
  if (service == nullptr || !service->is_string() || briefing == nullptr || !briefing->is_bool() ||
      probes == nullptr || !probes->is_bool() || !lead || !grace) {
    return std::nullopt;
  }
  f.service = std::string(service->get_string());
  f.announce_lead = *lead;
  f.briefing_required = briefing->get_bool();
  f.grace = *grace;
  f.has_probes = probes->get_bool();
  if (const json::value* zone = o.if_contains("zone"); zone != nullptr) {
    if (!zone->is_string()) return std::nullopt;
    f.zone = std::string(zone->get_string());
  }
  if (!OptionalMs(o, "detect_within_ms", f.detect_within) ||
      !OptionalMs(o, "recover_within_ms", f.recover_within)) {
    return std::nullopt;
  }
  if (const json::value* guards = o.if_contains("probe_guards"); guards != nullptr) {
    if (!guards->is_array()) return std::nullopt;
    for (const json::value& g : guards->get_array()) {
      const json::value* name = g.is_object() ? g.get_object().if_contains("name") : nullptr;
      std::optional<Duration> max_red =
          g.is_object() ? Ms(g.get_object().if_contains("max_red_ms")) : std::nullopt;
      if (name == nullptr || !name->is_string() || !max_red) return std::nullopt;
      f.probe_guards.push_back({std::string(name->get_string()), *max_red});
    }
  }
  return f;
}

}  // namespace firedrill
