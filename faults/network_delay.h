// The network.delay fault: adds latency, jitter and loss to everything leaving a network
// interface (a netem queueing discipline); the restore removes it.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/fault_kind.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kNetworkDelayKind[] = "network.delay";

/// Longest network interface name Linux accepts (IFNAMSIZ - 1).
inline constexpr std::size_t kMaxInterfaceNameLength = 15;

/// Typed parameters of a network.delay fault.
struct NetworkDelayParams : FaultParams {
  std::string interface;    ///< e.g. "eth0"
  Duration latency{0};      ///< added to every packet, > 0
  Duration jitter{0};       ///< random variation around `latency`
  double loss_percent = 0;  ///< 0..100

  /// Returns e.g. "add 200ms latency (+/- 50ms jitter) and 1% loss to packets leaving eth0".
  std::string Describe() const override;
};

/// Returns the schema and factory of network.delay.
FaultKindSpec NetworkDelaySpec();

}  // namespace firedrill
