#include "orchestrator/cli/daemon_cli.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "orchestrator/exit_status.h"

namespace firedrill::daemon_cli {

namespace json = boost::json;

std::string Actor(const std::optional<std::string>& by) {
  if (by && !by->empty()) return *by;
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

// Whether FIREDRILL_API names the daemon to act through.
bool ApiNamed() {
  const char* api = std::getenv("FIREDRILL_API");
  return api != nullptr && *api != '\0';
}

// A daemon named by FIREDRILL_API is the only place the command may act: a refused FIREDRILL_API
// must never fall back, silently, to a state directory on the caller's machine. Returns kExitOk,
// or prints why and returns kExitStateError.
int CheckNamedApi(const Invocation& inv, const char* command) {
  if (!ApiNamed()) return kExitOk;
  auto e = FindControlEndpoint({});  // with FIREDRILL_API no state directory is read
  if (e) return kExitOk;
  fmt::print(inv.err, "firedrill {}: {}\n", command, e.error().message);
  return kExitStateError;
}

// The daemon serving `dir`, if one does.
std::optional<ControlEndpoint> ServingDaemon(const std::filesystem::path& dir) {
  auto e = FindControlEndpoint(dir);
  if (!e) return std::nullopt;
  return *e;
}

std::string ErrorOf(const ControlResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const json::value* e = v.as_object().if_contains("error"); e && e->is_string()) {
      return std::string(e->as_string());
    }
  }
  return fmt::format("the daemon answered HTTP {}", r.status);
}

int ExitOf(int http) {
  if (http == 404) return kExitNotFound;
  if (http == 400) return kExitInvalidDrill;
  return kExitFailure;
}

// Prints a schedule/cancel outcome (the daemon's JSON or ours).
void PrintOutcome(const Invocation& inv, const char* verb, const json::object& o) {
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", json::serialize(o));
    return;
  }
  std::string zone = StringField(o, "zone");
  fmt::print(inv.out, "{} {}: window {} to {} (invite sequence {})\n", verb, StringField(o, "id"),
             StringField(o, "window_start"), StringField(o, "window_end"),
             o.if_contains("sequence") ? json::serialize(o.at("sequence")) : "?");
  if (!StringField(o, "invite").empty())
    fmt::print(inv.out, "  calendar invite: {}\n", StringField(o, "invite"));
  if (const json::value* w = o.if_contains("warnings"); w && w->is_array()) {
    for (const json::value& x : w->as_array()) {
      if (x.is_string()) fmt::print(inv.err, "  warning: {}\n", std::string(x.as_string()));
    }
  }
}

// Sends to the daemon and prints the outcome; returns the exit status.
int ViaDaemon(const Invocation& inv, const char* command, const ControlEndpoint& e,
              const std::string& method, const std::string& path, const json::object& body,
              const char* verb) {
  auto r = SendControl(e, method, path, body.empty() ? "" : json::serialize(body), kTimeout);
  if (!r) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, r.error().message);
    return kExitFailure;
  }
  if (r->status / 100 != 2) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, ErrorOf(*r));
    return ExitOf(r->status);
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    fmt::print(inv.err, "firedrill {}: the daemon sent no JSON object\n", command);
    return kExitFailure;
  }
  const json::value* again = v.as_object().if_contains("rescheduled");
  PrintOutcome(inv, again && again->is_bool() && again->as_bool() ? "rescheduled" : verb,
               v.as_object());
  return kExitOk;
}

}  // namespace firedrill::daemon_cli
