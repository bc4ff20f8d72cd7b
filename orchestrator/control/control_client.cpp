#include "orchestrator/control/control_client.h"

#include <fmt/format.h>
#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>

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

std::string Where(const ControlEndpoint& e) { return fmt::format("127.0.0.1:{}", e.port); }

Error IoError(const Exchange& x, const char* what, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return Error(fmt::format("no answer from the control endpoint at {} within {}",
                             Where(x.endpoint), FormatDuration(x.timeout)));
  }
  return Error(fmt::format("cannot {} the control endpoint at {}: {}", what, Where(x.endpoint),
                           ec.message()));
}

// Every step shares one deadline, so the whole exchange takes at most `timeout`.
awaitable<void> Run(Exchange& x) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(x.timeout);
  tcp::endpoint peer(asio::ip::make_address_v4("127.0.0.1"), x.endpoint.port);
  std::tuple<beast::error_code> connected = co_await stream.async_connect(peer, kAsTuple);
  beast::error_code connect_ec = std::get<0>(connected);
  if (connect_ec) {
    x.result = IoError(x, "connect to", connect_ec);
    co_return;
  }
  http::request<http::string_body> req{x.verb, x.path, 11};
  req.set(http::field::host, Where(x.endpoint));
  req.set(http::field::user_agent, "firedrill/" FIREDRILL_VERSION);
  req.set(http::field::authorization, "Bearer " + x.endpoint.token);
  req.set(http::field::accept, "application/json");
  if (!x.body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = x.body;
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
    x.result = write_ec ? IoError(x, "send to", write_ec) : IoError(x, "read from", read_ec);
    co_return;
  }
  x.result =
      ControlResponse{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
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
  return ControlEndpoint{static_cast<std::uint16_t>(port->as_int64()),
                         std::string(token->as_string()), static_cast<pid_t>(pid->as_int64())};
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
    std::string_view text(api);
    if (auto colon = text.rfind(':'); colon != std::string_view::npos)
      text.remove_prefix(colon + 1);
    int port = 0;
    auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (err != std::errc() || ptr != text.data() + text.size() || port < 1 || port > 65535 ||
        (std::string_view(api).find(':') != std::string_view::npos &&
         !std::string_view(api).starts_with("127.0.0.1:"))) {
      return Error(
          fmt::format("FIREDRILL_API must be 127.0.0.1:PORT (the daemon's --listen), not "
                      "\"{}\"",
                      api));
    }
    return ControlEndpoint{static_cast<std::uint16_t>(port), token, 0};
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
  Exchange x{endpoint, verb, path, body, timeout};
  asio::io_context io;
  asio::co_spawn(io, Run(x), [&x](const std::exception_ptr& e) {
    // Only bad_alloc can get here (I/O results are error codes); report it, do not throw.
    if (e) x.result = Error("internal error while talking to the control endpoint");
  });
  io.run();
  return std::move(x.result);
}

Expected<ControlResponse> SendControl(const fs::path& state_dir, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout) {
  auto endpoint = FindControlEndpoint(state_dir);
  if (!endpoint.ok()) return endpoint.error();
  return SendControl(*endpoint, method, path, body, timeout);
}

}  // namespace firedrill
