// The address of an outgoing HTTP request (a webhook, a witness, an HTTP probe, FIREDRILL_API):
// http://host[:port]/path?query or https://..., parsed once before a request starts. Pure: no
// I/O, no name resolution.
//
// Chat webhook URLs carry their secret in the path (a Slack incoming webhook is
// https://hooks.slack.com/services/T…/B…/<secret>), so anything meant for logs and records shows
// a URL through RedactUrl or HttpUrl::Origin, never as written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// A parsed http or https URL.
struct HttpUrl {
  bool tls = false;        ///< https
  std::string host;        ///< a name or an IP address; an IPv6 address without its brackets
  std::uint16_t port = 0;  ///< as written, else 80 (http) or 443 (https)
  std::string target;      ///< path and query as written, starting with '/'; never the fragment

  /// Returns "scheme://host[:port]" (the port only when it is not the scheme's default; an IPv6
  /// host in brackets): what errors name, since it holds no secret.
  std::string Origin() const;
  /// Returns the Host header value: the host (IPv6 in brackets), with ":port" when not default.
  std::string HostHeader() const;
};

/// Parses `url`. The scheme ("http" or "https", any case) is required; the host is a name of
/// letters, digits, '.', '-' and '_', an IPv4 address, or an IPv6 address in brackets; the port,
/// when written, is a number from 1 to 65535; an empty path becomes "/"; the fragment is dropped.
/// Fails, naming RedactUrl(url) and what is wrong, for anything else, including spaces and
/// control characters anywhere and user names or passwords ("user:pass@host").
Expected<HttpUrl> ParseHttpUrl(std::string_view url);

/// Returns `url` with everything after the host and port replaced by "/…" and any user
/// information before the host by "…@", e.g. "https://hooks.slack.com/…". Works on malformed
/// text too: without "://", everything from the first '/' on is replaced.
std::string RedactUrl(std::string_view url);

}  // namespace firedrill
