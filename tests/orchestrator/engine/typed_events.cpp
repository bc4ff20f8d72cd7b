#include "tests/orchestrator/engine/typed_events.h"

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

namespace firedrill::testing {

TypedEvent Typed(const std::string& kind, const boost::json::object& payload) {
  static std::vector<std::unique_ptr<Event>> kept;  // TypedEvent points at its Event
  auto e = std::make_unique<Event>();
  e->kind = kind;
  e->payload_json = boost::json::serialize(payload);
  TypedEvent t = DecodeEvent(*e);
  REQUIRE(t.problem.empty());
  kept.push_back(std::move(e));
  return t;
}

}  // namespace firedrill::testing
