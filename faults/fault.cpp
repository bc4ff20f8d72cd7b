#include "faults/fault.h"

#include "faults/builtin_faults.h"

namespace firedrill {

std::unique_ptr<Fault> MakeBuiltinFault(const std::string& kind) {
  for (const BuiltinFaultFactory& factory : BuiltinFaultFactories()) {
    if (factory.kind == kind) return factory.make();
  }
  return nullptr;
}

}  // namespace firedrill
