// The memory.stress fault: workers that allocate and touch memory so the service has less of it;
// the restore stops them and the memory is freed.
#pragma once

#include <string>

#include "drills/fault_kind.h"
#include "faults/size_spec.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kMemoryStressKind[] = "memory.stress";

/// Typed parameters of a memory.stress fault.
struct MemoryStressParams : FaultParams {
  SizeSpec size;    ///< in total across workers: bytes, or 1..95 percent of total memory
  int workers = 1;  ///< the size is split evenly between them

  /// Returns e.g. "allocate 512M in 1 worker" or "allocate 80% of total memory in 2 workers".
  std::string Describe() const override;
};

/// Returns the schema and factory of memory.stress.
FaultKindSpec MemoryStressSpec();

}  // namespace firedrill
