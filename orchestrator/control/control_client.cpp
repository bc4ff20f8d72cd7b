#include "orchestrator/control/control_client.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "orchestrator/control/tls_context.h"
#include "orchestrator/http/http_client.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
namespace fs = std::filesystem;

// Responses list drills; generous, but bounded so a confused peer cannot exhaust memory.
constexpr std::size_t kMaxResponseBytes = 8 * 1024 * 1024;

std::string Where(const ControlEndpoint& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", e.host, v6 ? "]" : "", e.port);
}

// The client's failure in the words of the control endpoint.
Error Explain(const ControlEndpoint& e, const HttpFailure& f, Duration timeout) {
  if (f.timed_out || f.cancelled) {
    return Error(fmt::format("no answer from the control endpoint at {} within {}", Where(e),
                             FormatDuration(timeout)));
  }
  switch (f.stage) {
    case HttpStage::kResolve:
      return Error(
          fmt::format("cannot find the control endpoint's host \"{}\": {}", e.host, f.reason));
    case HttpStage::kConnect:
      return Error(
          fmt::format("cannot connect to the control endpoint at {}: {}", Where(e), f.reason));
    case HttpStage::kHandshake:
      if (!f.certificate_problem.empty()) {
        return Error(
            fmt::format("the certificate of the control endpoint at {} is not trusted: {}{}",
                        Where(e), f.certificate_problem,
                        e.ca_file.empty() ? " (FIREDRILL_CA_FILE names the certificates to trust)"
                                          : fmt::format(" (trusted: {})", e.ca_file)));
      }
      return Error(
          fmt::format("cannot talk TLS with the control endpoint at {}: {}", Where(e), f.reason));
    case HttpStage::kSend:
      return Error(
          fmt::format("cannot send to the control endpoint at {}: {}", Where(e), f.reason));
    case HttpStage::kRead:
      break;
  }
  std::string out =
      fmt::format("cannot read from the control endpoint at {}: {}", Where(e), f.reason);
  // What a TLS server does with a request in clear text.
  if (!e.tls && f.error == http::error::end_of_stream) {
    out += " (if the daemon serves TLS, use https://HOST:PORT in FIREDRILL_API)";
  }
  return Error(out);
}

}  // namespace

Expected<ControlEndpoint> LoadControlFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(fmt::format("cannot read {}", file.string()));
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(text.str(), ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return Error(fmt::format("{} is not a JSON object", file.string()));
  const json::value* port = o->if_contains("port");
  const json::value* token = o->if_contains("token");
  const json::value* pid = o->if_contains("pid");
  if (port == nullptr || !port->is_int64() || port->as_int64() < 1 || port->as_int64() > 65535 ||
      token == nullptr || !token->is_string() || token->as_string().empty() || pid == nullptr ||
      !pid->is_int64() || pid->as_int64() < 1) {
    return Error(
        fmt::format("{} does not hold a valid \"port\", \"token\" and \"pid\"", file.string()));
  }
  ControlEndpoint endpoint;
  endpoint.port = static_cast<std::uint16_t>(port->as_int64());
  endpoint.token = std::string(token->as_string());
  endpoint.pid = static_cast<pid_t>(pid->as_int64());
  if (const json::value* address = o->if_contains("address"); address && address->is_string()) {
    endpoint.host = std::string(address->as_string());
  }
  if (const json::value* tls = o->if_contains("tls"); tls && tls->is_bool()) {
    endpoint.tls = tls->as_bool();
  }
  if (const json::value* cert = o->if_contains("cert"); cert && cert->is_string()) {
    // The server's own certificate, trusted as it is: no name to check then.
    endpoint.ca_file = std::string(cert->as_string());
    endpoint.check_host = endpoint.ca_file.empty();
  }
  return endpoint;
}

Expected<ControlEndpoint> ParseApiAddress(const std::string& api, const std::string& ca_file) {
  auto refuse = [&api](const std::string& why) {
    return Error(fmt::format(
        "FIREDRILL_API must be 127.0.0.1:PORT (the daemon on this host) or https://HOST:PORT (a "
        "daemon serving TLS), not \"{}\": {}",
        api, why));
  };
  ControlEndpoint e;
  // A bare port is this host's; without a scheme, plain HTTP. The rest is the one URL parser's.
  bool bare_port = !api.empty() &&
                   std::all_of(api.begin(), api.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::string url = bare_port                              ? "http://127.0.0.1:" + api
                    : api.find("://") == std::string::npos ? "http://" + api
                                                           : api;
  auto parsed = ParseHttpUrl(url);
  if (!parsed.ok()) {
    std::string why = parsed.error().message;
    // "bad webhook URL "...": WHY": the reason alone; the address is named already.
    if (std::size_t colon = why.find("\": "); colon != std::string::npos) {
      why = why.substr(colon + 3);
    }
    return refuse(why);
  }
  std::string_view authority(url);
  authority.remove_prefix(authority.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  bool port_written = authority.starts_with('[') ? authority.find("]:") != std::string_view::npos
                                                 : authority.find(':') != std::string_view::npos;
  if (!port_written) return refuse("the port is missing");
  if (parsed->target != "/") return refuse("it must be an address and a port, without a path");
  e.tls = parsed->tls;
  e.host = parsed->host;
  e.port = parsed->port;
  if (!e.tls) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(e.host, ec);
    if (e.host != "localhost" && (ec || !address.is_loopback())) {
      return refuse(fmt::format(
          "{} is another host, and API tokens must not cross a network in clear text", e.host));
    }
  }
  e.ca_file = ca_file;
  return e;
}

bool ProcessAlive(pid_t pid) {
  // EPERM: the process exists but belongs to someone else.
  return kill(pid, 0) == 0 || errno != ESRCH;
}

Expected<ControlEndpoint> FindControlEndpoint(const fs::path& state_dir) {
  // A person without access to the state directory (a responder on the daemon's host) names
  // the daemon and their own API token instead.
  const char* api = std::getenv("FIREDRILL_API");
  const char* token = std::getenv("FIREDRILL_TOKEN");
  if (api != nullptr && *api != '\0') {
    if (token == nullptr || *token == '\0') {
      return Error(
          "FIREDRILL_API is set but FIREDRILL_TOKEN is not: set it to your API token "
          "(firedrill token create --role ROLE)");
    }
    const char* ca = std::getenv("FIREDRILL_CA_FILE");
    auto endpoint = ParseApiAddress(api, ca == nullptr ? "" : ca);
    if (endpoint.ok()) endpoint->token = token;
    return endpoint;
  }
  fs::path file = state_dir / kControlFileName;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return Error(fmt::format("no drill is running for state dir {} (no {})", state_dir.string(),
                             kControlFileName));
  }
  auto endpoint = LoadControlFile(file);
  if (!endpoint.ok()) return endpoint;
  if (token != nullptr && *token != '\0') endpoint->token = token;
  if (!ProcessAlive(endpoint->pid)) {
    return Error(
        fmt::format("{} is stale: process {} is gone (no drill is running for state dir "
                    "{})",
                    kControlFileName, endpoint->pid, state_dir.string()));
  }
  return endpoint;
}

Expected<ControlResponse> SendControl(const ControlEndpoint& endpoint, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout) {
  if (!IsHttpMethod(method)) return Error(fmt::format("unknown HTTP method \"{}\"", method));
  HttpRequest request;
  request.method = method;
  request.url.tls = endpoint.tls;
  request.url.host = endpoint.host;
  request.url.port = endpoint.port;
  request.url.target = path;
  request.headers = {{"Authorization", "Bearer " + endpoint.token}, {"Accept", "application/json"}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.timeout = timeout;
  request.body_limit = kMaxResponseBytes;
  std::optional<HttpTls> tls;
  if (endpoint.tls) {
    auto ctx = MakeClientTlsContext(
        {endpoint.ca_file, endpoint.check_host ? endpoint.host : std::string()});
    if (!ctx.ok()) return ctx.error();
    // The context checks the name itself (or pins the server's certificate, without one).
    tls.emplace(HttpTls{std::move(**ctx), endpoint.check_host});
  }
  HttpResult r = ExchangeBlocking(request, tls ? &*tls : nullptr);
  if (!r.ok()) return Explain(endpoint, r.failure, timeout);
  return ControlResponse{r.answer->status, std::move(r.answer->body)};
}

Expected<ControlResponse> SendControl(const fs::path& state_dir, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout) {
  auto endpoint = FindControlEndpoint(state_dir);
  if (!endpoint.ok()) return endpoint.error();
  return SendControl(*endpoint, method, path, body, timeout);
}

}  // namespace firedrill
