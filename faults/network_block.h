// The network.block fault: drops or rejects the packets of one port (optionally only some of
// them, optionally only to/from some addresses); the restore removes the rule.
#pragma once

#include <optional>
#include <string>

#include "drills/fault_kind.h"
#include "faults/ip_network.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kNetworkBlockKind[] = "network.block";

/// The transport protocol whose packets are blocked.
enum class BlockProtocol { kTcp, kUdp };
/// Which packets: arriving at the local port (in), sent to a remote port (out), or both.
enum class BlockDirection { kIn, kOut, kBoth };
/// Discard silently (clients time out) or refuse at once (clients see "connection refused").
enum class BlockMode { kDrop, kReject };

/// Returns "tcp" or "udp".
const char* BlockProtocolName(BlockProtocol protocol);
/// Returns "in", "out" or "both".
const char* BlockDirectionName(BlockDirection direction);
/// Returns "drop" or "reject".
const char* BlockModeName(BlockMode mode);

/// Typed parameters of a network.block fault.
struct NetworkBlockParams : FaultParams {
  int port = 0;                                  ///< 1..65535
  BlockProtocol protocol = BlockProtocol::kTcp;  ///< tcp or udp
  BlockDirection direction =
      BlockDirection::kIn;            ///< in: to the local port; out: to the remote port
  BlockMode mode = BlockMode::kDrop;  ///< drop or reject
  double probability = 1.0;           ///< fraction of packets affected, 0 < p <= 1
  std::optional<IpNetwork> address;   ///< only traffic to/from this address or network

  /// Returns e.g. "drop 100% of tcp packets to port 5432 (in)".
  std::string Describe() const override;
};

/// Returns the schema and factory of network.block.
FaultKindSpec NetworkBlockSpec();

}  // namespace firedrill
