#include "faults/host_port.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <system_error>

#include "faults/ip_network.h"

namespace firedrill {
namespace {

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : host) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label != 0 && prev != '-';
}

bool LooksNumeric(std::string_view host) {
  for (char c : host) {
    if (c != '.' && !std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string HostPort::ToString() const {
  if (is_ipv6) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Expected<HostPort> ParseHostPort(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return Error{
        fmt::format("invalid address \"{}\": {} (expected HOST:PORT, e.g. "
                    "\"db.internal:5432\", \"127.0.0.1:15432\", \"[::1]:5432\")",
                    text, why)};
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("missing \":PORT\"");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);

  HostPort out;
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return bad("unbalanced '[' in the host");
    host = host.substr(1, host.size() - 2);
    if (!IsIpv6Address(host)) return bad(fmt::format("\"{}\" is not an IPv6 address", host));
    out.is_ipv6 = true;
  } else if (host.find(':') != std::string_view::npos) {
    if (IsIpv6Address(host)) {
      return bad(fmt::format("write IPv6 addresses in brackets: \"[{}]:{}\"", host, port_text));
    }
    return bad("write IPv6 addresses in brackets, e.g. \"[::1]:5432\"");
  } else if (host.empty()) {
    return bad("missing host (use 0.0.0.0 or [::] for every interface)");
  } else if (LooksNumeric(host)) {
    if (!IsIpv4Address(host)) return bad(fmt::format("\"{}\" is not an IPv4 address", host));
  } else if (!IsDnsName(host)) {
    return bad(fmt::format("\"{}\" is not a valid host name", host));
  }
  out.host = std::string(host);

  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  out.port = port;
  return out;
}

}  // namespace firedrill
