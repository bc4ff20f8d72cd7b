// The cpu.stress fault: busy workers that take CPU time away from the service; the restore stops
// them.
#pragma once

#include <string>

#include "drills/fault_kind.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kCpuStressKind[] = "cpu.stress";

/// Typed parameters of a cpu.stress fault.
struct CpuStressParams : FaultParams {
  int workers = 0;  ///< 0 = one per CPU
  int load = 100;   ///< percent of each worker's CPU it keeps busy, 1..100

  /// Returns e.g. "load every CPU to 100%" or "run 2 CPU workers at 80% load".
  std::string Describe() const override;
};

/// Returns the schema and factory of cpu.stress.
FaultKindSpec CpuStressSpec();

}  // namespace firedrill
