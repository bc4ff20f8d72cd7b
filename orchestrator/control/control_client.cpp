#include "orchestrator/control/control_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>

#include "orchestrator/control/tls_context.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
namespace fs = std::filesystem;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// Responses list drills; generous, but bounded so a confused peer cannot exhaust memory.
constexpr std::uint64_t kMaxResponseBytes = 8 * 1024 * 1024;

struct Exchange {
  const ControlEndpoint& endpoint;
  http::verb verb;
  const std::string& path;
  const std::string& body;
  Duration timeout;
  Expected<ControlResponse> result = Error("no answer from the control endpoint");
};

bool IsAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string Where(const ControlEndpoint& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", e.host, v6 ? "]" : "", e.port);
}

Error IoError(const Exchange& exchange, const char* what, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return Error(fmt::format("no answer from the control endpoint at {} within {}",
                             Where(exchange.endpoint), FormatDuration(exchange.timeout)));
  }
  return Error(fmt::format("cannot {} the control endpoint at {}: {}", what,
                           Where(exchange.endpoint), ec.message()));
}

// The request and its answer, over a connected (and, with TLS, handshaken) stream.
template <typename Stream>
awaitable<void> SendAndReadAnswer(Exchange& exchange, Stream& stream) {
  http::request<http::string_body> req{exchange.verb, exchange.path, 11};
  req.set(http::field::host, Where(exchange.endpoint));
  req.set(http::field::user_agent, "firedrill/" FIREDRILL_VERSION);
  req.set(http::field::authorization, "Bearer " + exchange.endpoint.token);
  req.set(http::field::accept, "application/json");
  if (!exchange.body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = exchange.body;
  req.keep_alive(false);
  req.prepare_payload();
  std::tuple<beast::error_code, std::size_t> written =
      co_await http::async_write(stream, req, kAsTuple);
  beast::error_code write_ec = std::get<0>(written);
  // A server may answer (413, 401) and close before reading everything we send; its answer is
  // still worth reading, so a failed write is reported only if no answer follows.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  std::tuple<beast::error_code, std::size_t> read =
      co_await http::async_read(stream, buffer, parser, kAsTuple);
  beast::error_code read_ec = std::get<0>(read);
  if (read_ec) {
    exchange.result =
        write_ec ? IoError(exchange, "send to", write_ec) : IoError(exchange, "read from", read_ec);
    if (!exchange.endpoint.tls && read_ec == http::error::end_of_stream) {
      // What a TLS server does with a request in clear text.
      exchange.result =
          Error(exchange.result.error().message +
                " (if the daemon serves TLS, use https://HOST:PORT in FIREDRILL_API)");
    }
    co_return;
  }
  exchange.result =
      ControlResponse{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// Every step shares one deadline, so the whole exchange takes at most `timeout`.
awaitable<void> Run(Exchange& exchange) {
  auto executor = co_await asio::this_coro::executor;
  const ControlEndpoint& e = exchange.endpoint;
  tcp::resolver resolver(executor);
  asio::steady_timer deadline(executor, exchange.timeout);
  deadline.async_wait([&resolver](const beast::error_code& ec) {
    if (!ec) resolver.cancel();
  });
  auto resolved = co_await resolver.async_resolve(e.host, std::to_string(e.port), kAsTuple);
  deadline.cancel();
  if (std::get<0>(resolved)) {
    exchange.result = Error(fmt::format("cannot find the control endpoint's host \"{}\": {}",
                                        e.host, std::get<0>(resolved).message()));
    co_return;
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(exchange.timeout);
  auto connected = co_await stream.async_connect(std::get<1>(resolved), kAsTuple);
  if (std::get<0>(connected)) {
    exchange.result = IoError(exchange, "connect to", std::get<0>(connected));
    co_return;
  }
  if (!e.tls) {
    co_await SendAndReadAnswer(exchange, stream);
    co_return;
  }
  auto ctx = MakeClientTlsContext({e.ca_file, e.check_host ? e.host : std::string()});
  if (!ctx.ok()) {
    exchange.result = ctx.error();
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), **ctx);
  if (!IsAddress(e.host)) SSL_set_tlsext_host_name(tls.native_handle(), e.host.c_str());
  std::tuple<beast::error_code> shook =
      co_await tls.async_handshake(asio::ssl::stream_base::client, kAsTuple);
  if (beast::error_code ec = std::get<0>(shook)) {
    long verdict = SSL_get_verify_result(tls.native_handle());
    if (verdict != X509_V_OK) {
      exchange.result = Error(
          fmt::format("the certificate of the control endpoint at {} is not trusted: {}{}",
                      Where(e), X509_verify_cert_error_string(verdict),
                      e.ca_file.empty() ? " (FIREDRILL_CA_FILE names the certificates to trust)"
                                        : fmt::format(" (trusted: {})", e.ca_file)));
    } else {
      exchange.result = IoError(exchange, "talk TLS with", ec);
    }
    co_return;
  }
  co_await SendAndReadAnswer(exchange, tls);
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
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return Error(fmt::format("unknown HTTP method \"{}\"", method));
  Exchange exchange{endpoint, verb, path, body, timeout};
  asio::io_context io;
  asio::co_spawn(io, Run(exchange), [&exchange](const std::exception_ptr& e) {
    // Only bad_alloc can get here (I/O results are error codes); report it, do not throw.
    if (e) exchange.result = Error("internal error while talking to the control endpoint");
  });
  io.run();
  return std::move(exchange.result);
}

Expected<ControlResponse> SendControl(const fs::path& state_dir, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout) {
  auto endpoint = FindControlEndpoint(state_dir);
  if (!endpoint.ok()) return endpoint.error();
  return SendControl(*endpoint, method, path, body, timeout);
}

}  // namespace firedrill
