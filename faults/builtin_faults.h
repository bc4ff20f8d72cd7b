// The table that maps each built-in fault kind to the factory of its runtime.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "faults/fault.h"

namespace firedrill {

/// One built-in kind and the factory of its runtime.
struct BuiltinFaultFactory {
  std::string_view kind;             ///< the registered kind name, e.g. "process.kill"
  std::unique_ptr<Fault> (*make)();  ///< returns a new runtime of that kind
};

/// Returns every built-in kind that has a runtime, once each. MakeBuiltinFault looks kinds up
/// here; a kind registered in FaultRegistry but missing here has no runtime yet.
std::span<const BuiltinFaultFactory> BuiltinFaultFactories();

}  // namespace firedrill
