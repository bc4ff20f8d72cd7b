// The control API of a running drill: the routes, the request a handler gets and the response it
// gives. The server (control_server.h) does the HTTP, the token and the limits; whoever runs the
// drill (the engine) implements ControlHandler. Documented for users in docs/control-api.md.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firedrill {

class ResponseFeed;

/// The file in the state directory that tells clients where the endpoint listens:
/// `{"port":N,"token":"<64 hex digits>","pid":PID}`, mode 0600.
inline constexpr char kControlFileName[] = "control.json";

/// One route: an HTTP method and a path pattern. A pattern segment written `{name}` matches any
/// one non-empty segment and is passed to the handler as `params[name]`.
struct ControlRoute {
  std::string_view method;
  std::string_view pattern;
};

/// The routes of API version 1. Every request and response body is JSON (UTF-8). Errors, from
/// the server or the handler, are `{"error":"<message for a human>"}`.
///
///   GET  /v1/drills
///        → 200 {"drills":[{"id":"checkout-db-blackhole","state":"active"}]}
///   POST /v1/drills/{id}/ack    {"what":"detected"|"recovered","by":"alice","note":"..."}
///        → 200 {"recorded_at":"2026-03-04T10:15:02.123Z","drill":"<id>","what":"detected",
///               "by":"alice"}
///        ("by" and "note" are optional; the handler answers 400 for any other "what")
///   GET  /v1/drills/{id}  → 200 the run's status: {"id","state":"running","phase","run","t0",
///        "window_start","window_end","zone","foreground":true,"pid"}
///   POST /v1/drills/{id}/abort  {"reason":"...","by":"alice"}
///        → 202 {"drill":"<id>","state":"aborting"}  (the restore runs after the answer)
///   Any route with an id no running drill has → 404 {"error":"no running drill \"<id>\""}.
///
/// Answered by the server before any handler call: 401 (no or wrong bearer token), 413 (body
/// over the limit), 404 (no route has this path), 405 (a route has this path, not this method),
/// 400 (a POST body that is not a JSON object), 431 (headers over the limit).
inline constexpr ControlRoute kControlRoutes[] = {
    {"GET", "/v1/drills"},
    {"GET", "/v1/drills/{id}"},
    {"POST", "/v1/drills/{id}/ack"},
    {"POST", "/v1/drills/{id}/abort"},
};

/// An authenticated, size-checked request for a known route; a POST body is a JSON object.
struct ControlRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< the request target without its query string, e.g. "/v1/drills/x/ack"
  std::string body;    ///< JSON text (empty for a GET)
  std::string route;   ///< the matched pattern, e.g. "/v1/drills/{id}/ack"
  std::map<std::string, std::string> params;  ///< `{name}` segments of the route, e.g. id
  /// Who asks: "lead" for the state directory's own token (control.json), else the role of the
  /// API token presented (see ControlAccess); "" on a route that authenticates itself (alert
  /// webhooks), whose handler must check `authorization` or `signature`.
  std::string role;
  std::string authorization;  ///< the Authorization header as sent
  std::string signature;      ///< the X-PagerDuty-Signature header as sent
  std::string query;          ///< the request target's query string, without '?'
  std::string cookie;         ///< the Cookie header as sent (the console's session)
  std::string content_type;   ///< the Content-Type header as sent
  /// The Origin header as sent (browsers send it with every POST), and the Host header: a
  /// request whose origin is another site is refused by the console.
  std::string origin;
  std::string host;
};

/// What the handler answers. The server sends it with Content-Type: application/json.
struct ControlResponse {
  ControlResponse() = default;
  ControlResponse(int s, std::string b, std::string type = "application/json")
      : status(s), body(std::move(b)), content_type(std::move(type)) {}
  bool operator==(const ControlResponse&) const = default;

  int status = 200;
  std::string body;  ///< JSON text, unless content_type says otherwise
  std::string content_type = "application/json";
  /// Further headers to send (Set-Cookie, Location, Content-Security-Policy, ...). Names and
  /// values come from the handler, never from the request.
  std::vector<std::pair<std::string, std::string>> headers;
  /// On a route that needs no bearer token (a webhook, a console page): whether the answer
  /// proves the caller, so that its connection is kept among the proven ones
  /// (ConnectionAdmission). Only when the status is 2xx too.
  bool proves_caller = true;
  /// Set: the answer is a stream (server-sent events). The server sends the head and `body`,
  /// then whatever is pushed into the feed, until it is closed or the client goes away.
  std::shared_ptr<ResponseFeed> feed;
};

/// The engine's side of the control API.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;

  /// Called on the server's io_context thread (the engine's), one request at a time. Must not
  /// block: the whole drill runs on that thread. Must not throw. Returns 404 for an unknown
  /// drill id and 400 for a body whose fields are wrong.
  virtual ControlResponse Handle(const ControlRequest& request) = 0;
};

}  // namespace firedrill
