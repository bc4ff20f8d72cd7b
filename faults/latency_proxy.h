// The network.latency-proxy fault: a TCP proxy between clients and an upstream that delays data
// and resets some connections; clients must be pointed at `listen`. The restore stops the proxy.
#pragma once

#include <string>

#include "drills/duration.h"
#include "drills/fault_kind.h"
#include "faults/host_port.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kLatencyProxyKind[] = "network.latency-proxy";

/// Typed parameters of a network.latency-proxy fault.
struct LatencyProxyParams : FaultParams {
  HostPort listen;               ///< where the proxy accepts connections
  HostPort upstream;             ///< where it forwards them
  Duration latency{0};           ///< added to data in each direction
  Duration jitter{0};            ///< random variation of `latency`
  double reset_probability = 0;  ///< fraction of connections reset, 0..1

  /// Returns e.g. "proxy 127.0.0.1:15432 -> db:5432 adding 100ms latency (+/- 20ms jitter),
  /// resetting 5% of connections".
  std::string Describe() const override;
};

/// Returns the schema and factory of network.latency-proxy.
FaultKindSpec LatencyProxySpec();

}  // namespace firedrill
