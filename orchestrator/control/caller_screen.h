// Screening a caller from a request's head, before its body is read: the state directory's own
// bearer token (compared in constant time), an API token and its role, an open path that brings
// its own proof (a webhook), and the announced body size. What an answer must prove to make a
// connection proven is the handler's (ControlResponse::proves_caller).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/control/control_handler.h"
#include "orchestrator/control/control_router.h"

namespace firedrill {

struct ControlLimits;

/// What the server knows of a request once its header is read, before its body.
struct ControlRequestHead {
  std::string method;
  std::string target;                           ///< as sent, query string included
  std::string authorization;                    ///< the Authorization header, empty if absent
  std::optional<std::uint64_t> content_length;  ///< absent for chunked bodies
};

/// Pure. Returns the refusal for a request that must not be read further — 401 if the
/// Authorization header is not `Bearer <token>` (compared in constant time), 413 if the
/// announced body is over `limits.max_body_bytes` — or nullopt to go on reading the body.
std::optional<ControlResponse> ScreenControlHead(const ControlRequestHead& head,
                                                 std::string_view token,
                                                 const ControlLimits& limits);

namespace control_internal {

struct ServerState;

/// Returns the 413 for a body over `limits.max_body_bytes`.
ControlResponse TooLarge(const ControlLimits& limits);

/// Establishes who sends a request from its head (sets `caller.role`): the state directory's own
/// token acts as lead, an API token with its role; an open path (a webhook) goes on without a
/// role. Returns the refusal of a request that must not be read further. On the loop thread.
std::optional<ControlResponse> ScreenCaller(const ServerState& s, const ControlRequestHead& head,
                                            ControlCaller& caller);

}  // namespace control_internal
}  // namespace firedrill
