// IP addresses and CIDR networks as drill files write them: "10.0.0.5", "10.0.0.0/8", "fd00::1",
// "fd00::/8".
#pragma once

#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// Returns true iff `text` is a dotted-quad IPv4 address ("192.0.2.1").
bool IsIpv4Address(std::string_view text);
/// Returns true iff `text` is an IPv6 address without brackets ("::1", "fd00::5").
bool IsIpv6Address(std::string_view text);

/// One address or a network of addresses.
struct IpNetwork {
  bool is_ipv6 = false;   ///< IPv6 (true) or IPv4 (false)
  std::string address;    ///< as written, without the prefix length
  int prefix_length = 0;  ///< 32 (IPv4) or 128 (IPv6) for a single address

  /// Returns "10.0.0.5" for a single address, "10.0.0.0/8" for a network.
  std::string ToString() const;
};

/// Parses an IPv4 or IPv6 address with an optional "/prefix" (0..32 or 0..128). Host names are
/// refused: the packet filter needs addresses.
Expected<IpNetwork> ParseIpNetwork(std::string_view text);

}  // namespace firedrill
