#include "faults/builtin_faults.h"

#include "faults/command_fault.h"
#include "faults/command_runtime.h"
#include "faults/process_kill.h"
#include "faults/process_kill_runtime.h"
#include "faults/process_pause.h"
#include "faults/process_pause_runtime.h"
// ---- Includes of the other kinds' runtimes go here (network, disk, stress). ----
#include "faults/cpu_stress.h"
#include "faults/cpu_stress_runtime.h"
#include "faults/disk_fill.h"
#include "faults/disk_fill_runtime.h"
#include "faults/latency_proxy.h"
#include "faults/latency_proxy_runtime.h"
#include "faults/memory_stress.h"
#include "faults/memory_stress_runtime.h"
#include "faults/network_block.h"
#include "faults/network_block_runtime.h"
#include "faults/network_delay.h"
#include "faults/network_delay_runtime.h"

namespace firedrill {
namespace {

// Kind names come from each kind's own constant, so the registry and this table cannot drift.
constexpr BuiltinFaultFactory kFactories[] = {
    {kProcessKillKind, &MakeProcessKillFault},
    {kProcessPauseKind, &MakeProcessPauseFault},
    {kCommandKind, &MakeCommandFault},
    // ---- Entries of the other kinds go here, one line each, e.g. ----
    // {kNetworkBlockKind, &MakeNetworkBlockFault},
    {kNetworkBlockKind, &MakeNetworkBlockFault},
    {kNetworkDelayKind, &MakeNetworkDelayFault},
    {kDiskFillKind, &MakeDiskFillFault},
    {kCpuStressKind, &MakeCpuStressFault},
    {kMemoryStressKind, &MakeMemoryStressFault},
    {kLatencyProxyKind, &MakeLatencyProxyFault},
};

}  // namespace

std::span<const BuiltinFaultFactory> BuiltinFaultFactories() { return kFactories; }

}  // namespace firedrill
