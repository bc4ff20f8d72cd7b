// The console's sign-in sessions: a browser that pasted a valid API token gets a session cookie
// (HttpOnly, SameSite=Strict, Secure under TLS) that stands for the token until it expires, is
// signed out, or the token is revoked. Each session has its own CSRF token for its forms.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// The name of the console's session cookie.
inline constexpr char kSessionCookie[] = "firedrill_session";

/// One signed-in browser.
struct ConsoleSession {
  std::string token;  ///< the API token pasted at sign-in: its role is checked on every request
  std::string name;   ///< who signed in, as they wrote it
  std::string csrf;   ///< 64 hex digits: every form of the session carries it
  SysTime expires;
};

/// Returns the value of the cookie `name` in a Cookie header ("a=1; b=2"), or "" without one.
std::string CookieValue(std::string_view cookie_header, std::string_view name);

/// Returns 32 random bytes as 64 hex digits (OpenSSL's generator). Fails if it fails.
Expected<std::string> RandomHex32();

/// True iff `a` and `b` are equal, compared in time that depends only on their lengths.
bool SameSecret(std::string_view a, std::string_view b);

/// The sessions of one daemon, in memory (a restart signs everyone out). Not thread-safe: the
/// daemon's loop thread only.
class ConsoleSessions {
 public:
  /// Sessions live `lifetime` from sign-in; at most `max_sessions` at once (the oldest goes).
  explicit ConsoleSessions(std::chrono::seconds lifetime = std::chrono::hours(12),
                           std::size_t max_sessions = 1000)
      : lifetime_(lifetime), max_sessions_(max_sessions) {}

  /// Opens a session for `token` and `name` at `now`; returns its id (the cookie's value).
  Expected<std::string> Open(std::string token, std::string name, SysTime now);
  /// Returns the session of cookie value `id` if it exists and has not expired at `now` (an
  /// expired one is dropped).
  const ConsoleSession* Find(std::string_view id, SysTime now);
  /// Ends the session `id` (sign-out). Unknown ids are ignored.
  void Close(std::string_view id);
  /// The sessions open now, expired ones included until they are next looked up.
  std::size_t size() const { return sessions_.size(); }
  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  std::chrono::seconds lifetime_;
  std::size_t max_sessions_;
  std::map<std::string, ConsoleSession, std::less<>> sessions_;
};

/// Returns the Set-Cookie value that opens session `id` for `lifetime`: HttpOnly,
/// SameSite=Strict, Path=/console, Max-Age, and Secure when `tls`.
std::string SessionCookie(std::string_view id, std::chrono::seconds lifetime, bool tls);
/// Returns the Set-Cookie value that removes the session cookie (Max-Age=0).
std::string ClearedSessionCookie(bool tls);

}  // namespace firedrill
