// The runtime of network.delay: a netem queueing discipline as the root qdisc of one interface,
// added only in place of the kernel's default one and removed only if it is still firedrill's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "faults/fault.h"
#include "faults/network_delay.h"

namespace firedrill {

/// The handle firedrill gives its netem qdisc, so a restore can tell it from anyone else's.
inline constexpr char kNetemHandle[] = "fd1d:";

/// The root qdisc of an interface as `tc qdisc show` prints it.
struct RootQdisc {
  std::string kind;    ///< e.g. "noqueue", "mq", "netem"
  std::string handle;  ///< e.g. "0:" (the kernel's default) or "1:"
  /// Returns true iff the kernel attached it (handle 0:), i.e. deleting the root brings it back.
  bool is_default() const { return handle == "0:"; }
};

/// Returns the root qdisc in the output of `tc qdisc show dev IF`, or nullopt if it lists none
/// (an interface that is down may have none).
std::optional<RootQdisc> ParseRootQdisc(std::string_view tc_output);

/// Returns the tc command that adds the fault's netem qdisc, e.g. "tc qdisc add dev 'eth0' root
/// handle fd1d: netem delay 200ms 50ms loss 1%".
std::string NetemAddCommand(const NetworkDelayParams& params);

/// Returns the runtime of network.delay. State: {"interface", "prior_root", "handle"}.
std::unique_ptr<Fault> MakeNetworkDelayFault();

}  // namespace firedrill
