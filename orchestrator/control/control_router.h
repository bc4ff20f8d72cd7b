// The control API's router: matching a request's method and path against the route table, the
// answers to an unknown path (404), a method the path does not allow (405) and a body that is not
// a JSON object (400), and the handler's call with what the route and the caller give it. No I/O.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "orchestrator/control/control_handler.h"

namespace firedrill {

/// Who sends a request, as established from its head (see ControlRequest).
struct ControlCaller {
  std::string role;
  std::string authorization;
  std::string signature;
  std::string cookie{};        ///< the Cookie header
  std::string content_type{};  ///< the Content-Type header
  std::string origin{};        ///< the Origin header
  std::string host{};          ///< the Host header
};

/// Pure apart from the handler call. Matches `method` and `target` against `routes` (404 for an
/// unknown path, 405 for a known path with another method), checks that a POST body is a JSON
/// object (400) unless the caller has no role (an open route such as a webhook, whose handler
/// authenticates the request and then parses it), and only then calls `handler` with the path,
/// query, body, route, params and the caller's headers.
ControlResponse DispatchControl(std::span<const ControlRoute> routes, std::string_view method,
                                std::string_view target, std::string body, ControlHandler& handler,
                                const ControlCaller& caller = {"lead", "", ""});

namespace control_internal {

/// Returns the answer `status` with the body `{"error": message}`.
ControlResponse JsonError(int status, std::string_view message);

/// Returns `target` without its query string.
std::string_view PathOf(std::string_view target);

/// Returns the methods the routes allow on `target`'s path, for a 405's Allow header ("GET, POST";
/// empty when no route matches it).
std::string AllowedMethods(std::span<const ControlRoute> routes, std::string_view target);

}  // namespace control_internal
}  // namespace firedrill
