// The runtime of cpu.stress: stress-ng CPU workers (`--cpu N --cpu-load L`), stopped on restore.
#pragma once

#include <memory>

#include "faults/fault.h"

namespace firedrill {

/// Returns the runtime of cpu.stress (a StressNgFault; state {"token", "args"}).
std::unique_ptr<Fault> MakeCpuStressFault();

}  // namespace firedrill
