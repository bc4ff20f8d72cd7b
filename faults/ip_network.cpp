#include "faults/ip_network.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <charconv>
#include <system_error>

namespace firedrill {

bool IsIpv4Address(std::string_view text) {
  in_addr addr{};
  const std::string s(text);
  return inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

bool IsIpv6Address(std::string_view text) {
  in6_addr addr{};
  const std::string s(text);
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

std::string IpNetwork::ToString() const {
  const int full = is_ipv6 ? 128 : 32;
  if (prefix_length == full) return address;
  return fmt::format("{}/{}", address, prefix_length);
}

Expected<IpNetwork> ParseIpNetwork(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return Error{
        fmt::format("\"{}\" is not an IP address or CIDR network: {} (expected e.g. "
                    "\"10.0.0.5\", \"10.0.0.0/8\", \"fd00::/8\")",
                    text, why)};
  };
  std::string_view address = text;
  std::string_view prefix;
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    prefix = text.substr(slash + 1);
  }
  IpNetwork net;
  net.address = std::string(address);
  if (IsIpv4Address(address)) {
    net.is_ipv6 = false;
  } else if (IsIpv6Address(address)) {
    net.is_ipv6 = true;
  } else {
    return bad(address.empty() ? "no address" : "not an IPv4 or IPv6 address");
  }
  const int full = net.is_ipv6 ? 128 : 32;
  net.prefix_length = full;
  if (text.find('/') != std::string_view::npos) {
    int n = -1;
    auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), n);
    if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() || n < 0 ||
        n > full) {
      return bad(fmt::format("the prefix length must be a number from 0 to {}", full));
    }
    net.prefix_length = n;
  }
  return net;
}

}  // namespace firedrill
