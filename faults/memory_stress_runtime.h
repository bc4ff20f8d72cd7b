// The runtime of memory.stress: stress-ng VM workers that allocate their share of the size once
// and hold it (`--vm W --vm-bytes B --vm-keep --vm-hang 0`), stopped on restore.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "drills/expected.h"
#include "faults/fault.h"

namespace firedrill {

/// Returns MemTotal in bytes from the text of /proc/meminfo, or an Error if it is not there.
Expected<std::uint64_t> ParseMemTotal(std::string_view meminfo);

/// Returns the runtime of memory.stress (a StressNgFault; state {"token", "args"}). A percentage
/// size is turned into bytes of the target's total memory at Prepare.
std::unique_ptr<Fault> MakeMemoryStressFault();

}  // namespace firedrill
