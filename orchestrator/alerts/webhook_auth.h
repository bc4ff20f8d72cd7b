// Authenticity checks for incoming alert webhooks: PagerDuty's HMAC signature, and the shared
// secret or bearer token that Alertmanager and Grafana send. Pure functions over the request's
// body and header values; constant-time comparisons so that response timing reveals nothing.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

/// Returns true iff the `X-PagerDuty-Signature` header value `header` (one or more
/// comma-separated "v1=<64 hex digits>" signatures, as sent during secret rotation) holds a
/// HMAC-SHA256 of `body` under any of `secrets`. Signatures of other versions, malformed entries
/// and empty secrets are ignored; an empty header or no usable secret gives false. Digests are
/// compared in constant time. Thread-safe.
bool VerifyPagerDutySignature(std::string_view body, std::string_view header,
                              const std::vector<std::string>& secrets);

/// Returns true iff `a` and `b` are equal and non-empty (an empty configured token never
/// authenticates). Both are hashed (SHA-256) and the digests compared in constant time, so the
/// time taken reveals neither the position of the first difference nor whether lengths differ.
bool TokensEqual(std::string_view a, std::string_view b);

/// The SHA-256 of a configured token, computed once, for TokenMatches.
using TokenDigest = std::array<unsigned char, 32>;
TokenDigest DigestToken(std::string_view token);

/// TokensEqual(presented, b) for a non-empty configured token b given as DigestToken(b): hashes
/// only the presented token. False for an empty `presented`.
bool TokenMatches(std::string_view presented, const TokenDigest& expected);

}  // namespace firedrill
