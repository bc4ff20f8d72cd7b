// Events made for the tests of what reads a run's events decoded (the live block, the live
// display): an event of a kind with a payload, typed as the recorder hands it on.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "orchestrator/store/typed_event.h"

namespace firedrill::testing {

/// The event `kind` with `payload` as the run records it, decoded (DecodeEvent); fails the test
/// (REQUIRE) if it does not decode. The Event it points into lives until the process ends.
TypedEvent Typed(const std::string& kind, const boost::json::object& payload);

}  // namespace firedrill::testing
