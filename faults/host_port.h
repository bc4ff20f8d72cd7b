// Socket addresses as drill files write them: "HOST:PORT", with IPv6 hosts in brackets
// ("db.internal:5432", "127.0.0.1:15432", "[::1]:5432").
#pragma once

#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// A host (name, IPv4 or IPv6 address) and a TCP port.
struct HostPort {
  std::string host;      ///< without brackets
  int port = 0;          ///< 1..65535
  bool is_ipv6 = false;  ///< the host is an IPv6 address (written in brackets)

  /// Returns the drill-file notation, bracketing IPv6 hosts ("[::1]:5432").
  std::string ToString() const;
  /// Returns true iff host, port and family are equal.
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

/// Parses "HOST:PORT". HOST is a DNS name, an IPv4 address or a bracketed IPv6 address; PORT is
/// 1..65535. Returns an Error naming the expected form otherwise (an unbracketed IPv6 address
/// gets a hint to add the brackets).
Expected<HostPort> ParseHostPort(std::string_view text);

}  // namespace firedrill
