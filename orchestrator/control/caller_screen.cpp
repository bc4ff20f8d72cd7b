// Screening a caller from a request's head: tokens, roles, open paths, the announced body size.
#include "orchestrator/control/caller_screen.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <boost/beast/core/string.hpp>

#include "orchestrator/control/control_server.h"
#include "orchestrator/control/control_server_impl.h"

namespace firedrill {
namespace {

namespace beast = boost::beast;

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

namespace control_internal {

ControlResponse TooLarge(const ControlLimits& limits) {
  return JsonError(413,
                   fmt::format("request body over the limit of {} bytes", limits.max_body_bytes));
}

// Establishes who sends a request from its head: the state directory's own token acts as
// lead, an API token with its role; an open path (a webhook) goes on without a role. Returns the
// refusal of a request that must not be read further.
std::optional<ControlResponse> ScreenCaller(const ServerState& s, const ControlRequestHead& head,
                                            ControlCaller& caller) {
  std::string_view path = PathOf(head.target);
  for (const std::string& prefix : s.access.open_prefixes) {
    if (path.starts_with(prefix)) {
      if (head.content_length && *head.content_length > s.limits.max_body_bytes) {
        return TooLarge(s.limits);
      }
      return std::nullopt;
    }
  }
  std::optional<ControlResponse> refusal = ScreenControlHead(head, s.token, s.limits);
  if (!refusal) {
    caller.role = "lead";
    return std::nullopt;
  }
  const std::string& auth = head.authorization;
  if (refusal->status == 401 && s.access.token_role && auth.size() > kBearer.size() &&
      beast::iequals(std::string_view(auth).substr(0, kBearer.size()), kBearer)) {
    if (auto role = s.access.token_role(std::string_view(auth).substr(kBearer.size()))) {
      if (head.content_length && *head.content_length > s.limits.max_body_bytes) {
        return TooLarge(s.limits);
      }
      caller.role = *role;
      return std::nullopt;
    }
    return JsonError(401, "unknown or revoked API token (firedrill token create --role ROLE)");
  }
  return refusal;
}

}  // namespace control_internal

using control_internal::JsonError;
using control_internal::TooLarge;

std::optional<ControlResponse> ScreenControlHead(const ControlRequestHead& head,
                                                 std::string_view token,
                                                 const ControlLimits& limits) {
  const std::string& auth = head.authorization;
  // The length of a token is no secret (always 64 hex digits); its content is compared in
  // constant time so that timing does not reveal how much of a guess was right.
  bool authorized = !token.empty() && auth.size() == kBearer.size() + token.size() &&
                    beast::iequals(std::string_view(auth).substr(0, kBearer.size()), kBearer) &&
                    CRYPTO_memcmp(auth.data() + kBearer.size(), token.data(), token.size()) == 0;
  if (!authorized) {
    return JsonError(401,
                     "missing or wrong bearer token (the token is in control.json in the "
                     "drill's state directory)");
  }
  if (head.content_length && *head.content_length > limits.max_body_bytes) {
    return TooLarge(limits);
  }
  return std::nullopt;
}

}  // namespace firedrill
