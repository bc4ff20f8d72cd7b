// Webhook signatures as a sender computes them, for tests of the code that checks them.
#pragma once

#include <string>
#include <string_view>

namespace firedrill::testing {

/// Returns "v1=<hex HMAC-SHA256 of body under secret>", as PagerDuty sends it in
/// X-PagerDuty-Signature. Computed through OpenSSL's EVP_MAC interface (the code under test uses
/// the HMAC() one-shot), so the two check each other.
std::string PagerDutyV1Signature(std::string_view secret, std::string_view body);

}  // namespace firedrill::testing
