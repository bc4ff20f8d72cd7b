#include "orchestrator/announce/webhook_url.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>
#include <cctype>
#include <charconv>

namespace firedrill {
namespace {

constexpr std::string_view kSchemeEnd = "://";

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::uint16_t DefaultPort(bool tls) { return tls ? 443 : 80; }

}  // namespace

std::string WebhookUrl::Origin() const {
  return fmt::format("{}://{}", tls ? "https" : "http", HostHeader());
}

std::string WebhookUrl::HostHeader() const {
  std::string out = host.find(':') == std::string::npos ? host : "[" + host + "]";
  if (port != DefaultPort(tls)) out += fmt::format(":{}", port);
  return out;
}

std::string RedactUrl(std::string_view url) {
  std::size_t scheme_end = url.find(kSchemeEnd);
  std::size_t authority_at = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::size_t rest_at = url.find_first_of("/?#", authority_at);
  std::string_view authority = url.substr(authority_at, rest_at - authority_at);
  std::string out(url.substr(0, authority_at));
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    out += "…@";
    authority.remove_prefix(at + 1);
  }
  out += authority;
  if (rest_at != std::string_view::npos) out += "/…";
  return out;
}

Expected<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Error(fmt::format("bad webhook URL \"{}\": {}", RedactUrl(url), why));
  };
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return bad("it contains a space or a control character");
  }
  std::size_t scheme_end = url.find(kSchemeEnd);
  std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return bad("it must start with http:// or https://");
  }
  WebhookUrl out;
  out.tls = scheme == "https";
  std::string_view rest = url.substr(scheme_end + kSchemeEnd.size());
  std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return bad("user names and passwords in the URL are not supported");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("the IPv6 address has no closing ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad("text follows the IPv6 address");
    if (!after.empty()) port = after.substr(1);
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return bad(fmt::format("\"{}\" is not an IPv6 address", host));
  } else {
    if (std::count(authority.begin(), authority.end(), ':') > 1) {
      return bad("an IPv6 address goes in brackets, as in http://[::1]:8080/");
    }
    if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return bad(
          "the host may hold only letters, digits, '.', '-' and '_' (an IPv6 address "
          "goes in brackets)");
    }
  }
  if (host.empty()) return bad("it has no host");
  out.host = std::string(host);
  out.port = DefaultPort(out.tls);
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return bad(fmt::format("port \"{}\" is not a number from 1 to 65535", port));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  std::string_view target = rest.substr(authority_end);
  target = target.substr(0, target.find('#'));
  out.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return out;
}

}  // namespace firedrill
