// The control API's router: route matching, the 404/405/400 answers, the handler's call.
#include "orchestrator/control/control_router.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <utility>

namespace firedrill {
namespace {

namespace json = boost::json;

// Whether `path` matches `pattern`, segment by segment, without allocating; fills `params` (if
// given) with the `{name}` segments. An empty segment never matches a parameter.
bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>* params) {
  while (true) {
    std::size_t pattern_slash = pattern.find('/');
    std::size_t path_slash = path.find('/');
    std::string_view want = pattern.substr(0, pattern_slash);
    std::string_view got = path.substr(0, path_slash);
    if (want.size() >= 2 && want.front() == '{' && want.back() == '}') {
      if (got.empty()) return false;
      if (params != nullptr) (*params)[std::string(want.substr(1, want.size() - 2))] = got;
    } else if (want != got) {
      return false;
    }
    if (pattern_slash == std::string_view::npos || path_slash == std::string_view::npos) {
      return pattern_slash == path_slash;
    }
    pattern.remove_prefix(pattern_slash + 1);
    path.remove_prefix(path_slash + 1);
  }
}

}  // namespace

namespace control_internal {

ControlResponse JsonError(int status, std::string_view message) {
  return {status, json::serialize(json::object{{"error", message}})};
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

// The methods the routes allow on `target`'s path, for a 405's Allow header.
std::string AllowedMethods(std::span<const ControlRoute> routes, std::string_view target) {
  std::string out;
  for (const ControlRoute& r : routes) {
    if (!MatchPattern(r.pattern, PathOf(target), nullptr)) continue;
    if (out.find(r.method) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += r.method;
  }
  return out;
}

}  // namespace control_internal

using control_internal::AllowedMethods;
using control_internal::JsonError;
using control_internal::PathOf;

ControlResponse DispatchControl(std::span<const ControlRoute> routes, std::string_view method,
                                std::string_view target, std::string body, ControlHandler& handler,
                                const ControlCaller& caller) {
  std::string_view path = PathOf(target);
  bool path_known = false;
  const ControlRoute* match = nullptr;
  std::map<std::string, std::string> params;
  for (const ControlRoute& r : routes) {
    if (!MatchPattern(r.pattern, path, nullptr)) continue;
    path_known = true;
    if (r.method == method) {
      match = &r;
      MatchPattern(r.pattern, path, &params);
      break;
    }
  }
  if (!path_known) return JsonError(404, fmt::format("no such endpoint: {}", path));
  if (match == nullptr) {
    return JsonError(405, fmt::format("{} is not allowed on {}; allowed: {}", method, path,
                                      AllowedMethods(routes, target)));
  }
  // A request on an open route (no role: a webhook) proves itself to its handler, which parses
  // the body only once the proof holds: no parsing for strangers, and no parsing twice.
  if (!caller.role.empty() && (method == "POST" || method == "PUT" || method == "PATCH")) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return JsonError(400, fmt::format("request body is not valid JSON: {}", ec.message()));
    if (!v.is_object()) return JsonError(400, "request body must be a JSON object");
  }
  ControlRequest request;
  request.method = std::string(method);
  request.path = std::string(path);
  request.body = std::move(body);
  request.route = std::string(match->pattern);
  request.params = std::move(params);
  request.role = caller.role;
  request.authorization = caller.authorization;
  request.signature = caller.signature;
  if (std::size_t q = target.find('?'); q != std::string_view::npos) {
    request.query = std::string(target.substr(q + 1));
  }
  request.cookie = caller.cookie;
  request.content_type = caller.content_type;
  request.origin = caller.origin;
  request.host = caller.host;
  return handler.Handle(request);
}

}  // namespace firedrill
