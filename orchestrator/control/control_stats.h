// What the control server counts about its connections and answers, for /metrics. Plain data.
#pragma once

#include <cstdint>
#include <map>

namespace firedrill {

/// Counters since the server started (connections_open: now). Read on the server's thread.
struct ControlStats {
  std::uint64_t connections_open = 0;      ///< open now, proven or not
  std::uint64_t connections_accepted = 0;  ///< let in (proven or not)
  /// Closed on accept: every connection was held by a caller who had shown a token.
  std::uint64_t connections_refused = 0;
  /// Unproven connections closed to make room for a new one (see ConnectionAdmission).
  std::uint64_t connections_displaced = 0;
  /// Closed because the TLS handshake or a request head did not arrive within header_timeout.
  std::uint64_t header_timeouts = 0;
  /// Responses sent, by status code, whoever answered (the server's 400/401/413/431 included).
  std::map<int, std::uint64_t> responses;
};

}  // namespace firedrill
