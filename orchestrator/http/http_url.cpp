#include "orchestrator/http/http_url.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
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

std::string HttpUrl::Origin() const {
  return fmt::format("{}://{}", tls ? "https" : "http", HostHeader());
}

std::string HttpUrl::HostHeader() const {
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

Expected<HttpUrl> ParseHttpUrl(std::string_view url) {
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
  // RFC 3986 by Boost.URL; what it refuses is explained below, in the words of the rules above.
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(url);
  if (parsed && parsed->has_userinfo()) {
    return bad("user names and passwords in the URL are not supported");
  }
  // Boost.URL 1.81 takes "host:8o/x" as port 8 and a path "o/x", which RFC 3986 does not allow
  // after an authority: a path there begins with '/'.
  bool whole =
      parsed && (parsed->encoded_path().empty() || parsed->encoded_path().starts_with('/'));
  if (!whole) {
    std::string_view rest = url.substr(scheme_end + kSchemeEnd.size());
    std::string_view authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
    if (authority.find('@') != std::string_view::npos) {
      return bad("user names and passwords in the URL are not supported");
    }
    if (authority.starts_with('[')) {
      std::size_t close = authority.find(']');
      if (close == std::string_view::npos) return bad("the IPv6 address has no closing ']'");
      std::string_view after = authority.substr(close + 1);
      if (!after.empty() && !after.starts_with(':')) return bad("text follows the IPv6 address");
      return bad(fmt::format("\"{}\" is not an IPv6 address", authority.substr(1, close - 1)));
    }
    if (std::count(authority.begin(), authority.end(), ':') > 1) {
      return bad("an IPv6 address goes in brackets, as in http://[::1]:8080/");
    }
    std::string_view host = authority.substr(0, authority.find(':'));
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return bad(
          "the host may hold only letters, digits, '.', '-' and '_' (an IPv6 address "
          "goes in brackets)");
    }
    if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
      return bad(
          fmt::format("port \"{}\" is not a number from 1 to 65535", authority.substr(colon + 1)));
    }
    return bad(parsed ? std::string("the path must begin with '/'") : parsed.error().message());
  }
  const boost::urls::url_view& u = *parsed;
  HttpUrl out;
  out.tls = scheme == "https";
  switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
      out.host = u.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::name:
      out.host = std::string(u.encoded_host());
      break;
    default:  // none, or an IPvFuture literal
      if (u.encoded_host().empty()) return bad("it has no host");
      return bad(fmt::format("\"{}\" is not an IPv6 address", u.encoded_host_address()));
  }
  if (out.host.empty()) return bad("it has no host");
  if (!std::all_of(out.host.begin(), out.host.end(), IsHostChar) &&
      u.host_type() != boost::urls::host_type::ipv6) {
    return bad(
        "the host may hold only letters, digits, '.', '-' and '_' (an IPv6 address goes in "
        "brackets)");
  }
  out.port = DefaultPort(out.tls);
  if (u.has_port() && !u.port().empty()) {
    std::string_view port = u.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return bad(fmt::format("port \"{}\" is not a number from 1 to 65535", port));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  std::string_view target = u.encoded_target();
  out.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return out;
}

}  // namespace firedrill
