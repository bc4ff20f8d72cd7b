// The control server's connections: accepting, reading requests, answering them.
#include "orchestrator/control/control_session.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "orchestrator/control/caller_screen.h"
#include "orchestrator/control/control_router.h"
#include "orchestrator/control/control_stream.h"

namespace firedrill::control_internal {
namespace {

namespace http = beast::http;
namespace ssl = asio::ssl;

// How much a proven caller's idle connection reads at once when its next request begins.
constexpr std::size_t kFirstReadBytes = 4096;
// After refusing a request whose body we did not read, we read and drop what the client still
// sends, up to this much and for at most io_timeout: most simple clients (without Expect:
// 100-continue) send the whole body before they read the answer, and closing with unread data
// makes the kernel send a reset, which such a client sees as a broken pipe instead of our 413 or
// 401 (the "lingering close" of HTTP servers). Beyond it, the client gets the reset.
constexpr std::uint64_t kDrainBytes = 16 * 1024 * 1024;

bool IsParseError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Parameters are taken by value: a coroutine may outlive its caller's temporaries.
template <typename Stream>
awaitable<bool> Send(State state, Stream& stream, ControlResponse r, unsigned version,
                     bool keep_alive, std::string allow) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(r.status >= 100 && r.status <= 599 ? static_cast<unsigned>(r.status) : 500U);
  ++state->stats.responses[static_cast<int>(res.result_int())];
  res.set(http::field::server, "firedrill/" FIREDRILL_VERSION);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  if (!allow.empty()) res.set(http::field::allow, allow);
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  Tcp(stream).expires_after(state->limits.io_timeout);
  std::tuple<beast::error_code, std::size_t> written =
      co_await http::async_write(stream, res, kAsTuple);
  co_return !std::get<0>(written);
}

template <typename Stream>
awaitable<void> LingeringClose(Stream& stream, std::chrono::milliseconds limit) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    // Under TLS a half-close would end the session; the client closes once it has our answer.
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  Tcp(stream).expires_after(limit);
  std::vector<char> sink(64 * 1024);
  std::uint64_t total = 0;
  while (total < kDrainBytes) {
    std::tuple<beast::error_code, std::size_t> read =
        co_await stream.async_read_some(asio::buffer(sink), kAsTuple);
    if (std::get<0>(read)) break;
    total += std::get<1>(read);
  }
}

// Answers a request we refuse without reading on, then closes the connection.
template <typename Stream>
awaitable<void> Refuse(State state, Stream& stream, ControlResponse r, unsigned version) {
  // clang-tidy 14 counts the coroutine frame's own copy of `r` as a use after this, its one move.
  // NOLINTNEXTLINE(bugprone-use-after-move)
  bool sent = co_await Send(state, stream, std::move(r), version, false, "");
  if (sent) co_await LingeringClose(stream, state->limits.io_timeout);
}

// The requests of one connection, one after the other while the client keeps the connection
// alive, each read and write under its own deadline: the head of a request under the short
// header_timeout (a client that has something to say says it at once), the body and the answer
// under io_timeout.
template <typename Stream>
awaitable<void> ServeRequests(const State& state, Stream& stream, ConnectionAdmission::Id id) {
  const ControlLimits& limits = state->limits;
  beast::flat_buffer buffer;
  while (state->serving) {
    if (buffer.size() == 0 && state->admission.proven(id)) {
      // A proven caller's kept-alive connection may idle between requests; its next head, once
      // begun, gets header_timeout like any other.
      Tcp(stream).expires_after(limits.io_timeout);
      std::tuple<beast::error_code, std::size_t> first =
          co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), kAsTuple);
      if (std::get<0>(first) || !state->serving) co_return;  // closed, idle too long, stopped
      buffer.commit(std::get<1>(first));
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    // No body limit while reading the header: Beast would check Content-Length against it
    // there, before we have checked the token. ScreenControlHead checks it right after.
    parser.body_limit(boost::none);
    Tcp(stream).expires_after(limits.header_timeout);
    std::tuple<beast::error_code, std::size_t> header =
        co_await http::async_read_header(stream, buffer, parser, kAsTuple);
    beast::error_code ec = std::get<0>(header);
    if (ec == beast::error::timeout) {
      ++state->stats.header_timeouts;
      co_return;
    }
    if (ec == http::error::header_limit) {
      co_await Refuse(state, stream, JsonError(431, "request headers over the limit"), 11);
      co_return;
    }
    if (IsParseError(ec)) {
      co_await Refuse(state, stream, JsonError(400, "malformed HTTP request"), 11);
      co_return;
    }
    if (ec || !state->serving) co_return;  // closed, timed out, reset, or stopped
    http::request<http::string_body>& req = parser.get();
    unsigned version = req.version();
    ControlRequestHead head{std::string(req.method_string()), std::string(req.target()),
                            std::string(req[http::field::authorization]), std::nullopt};
    if (auto length = parser.content_length()) head.content_length = *length;
    ControlCaller caller{"",
                         head.authorization,
                         std::string(req["X-PagerDuty-Signature"]),
                         std::string(req[http::field::cookie]),
                         std::string(req[http::field::content_type]),
                         std::string(req[http::field::origin]),
                         std::string(req[http::field::host])};
    if (auto refusal = ScreenCaller(*state, head, caller)) {
      co_await Refuse(state, stream, *refusal, version);
      co_return;
    }
    if (!caller.role.empty()) state->admission.Prove(id);  // a valid token
    if (version >= 11 && beast::iequals(req[http::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (curl: up to a second).
      http::response<http::empty_body> go{http::status::continue_, version};
      Tcp(stream).expires_after(limits.io_timeout);
      std::tuple<beast::error_code, std::size_t> went =
          co_await http::async_write(stream, go, kAsTuple);
      if (std::get<0>(went)) co_return;
    }
    parser.body_limit(limits.max_body_bytes);  // for chunked bodies, whose size comes late
    Tcp(stream).expires_after(limits.io_timeout);
    std::tuple<beast::error_code, std::size_t> body =
        co_await http::async_read(stream, buffer, parser, kAsTuple);
    ec = std::get<0>(body);
    if (ec == http::error::body_limit) {
      co_await Refuse(state, stream, TooLarge(limits), version);
      co_return;
    }
    if (IsParseError(ec)) {
      co_await Refuse(state, stream, JsonError(400, "malformed HTTP request"), version);
      co_return;
    }
    if (ec || !state->serving) co_return;
    bool keep_alive = req.keep_alive();
    ControlResponse r = DispatchControl(state->routes, head.method, head.target,
                                        std::move(req.body()), state->handler, caller);
    // On an open route (a webhook, the console) the handler checked the sender's own proof.
    if (caller.role.empty() && r.proves_caller && r.status >= 200 && r.status < 300) {
      state->admission.Prove(id);
    }
    if (r.feed) {
      co_await SendStream(state, stream, std::move(r), version, id);
      co_return;
    }
    std::string allow = r.status == 405 ? AllowedMethods(state->routes, head.target) : "";
    bool sent = co_await Send(state, stream, std::move(r), version, keep_alive, allow);
    if (!sent) co_return;
    if (!keep_alive) {
      co_await Close(stream, limits);
      co_return;
    }
  }
}

// Keeps the map of open connections (for Stop and displacement) and the admission right,
// however a connection ends.
struct Registration {
  Registration(State s, ConnectionAdmission::Id i, beast::tcp_stream& stream)
      : state(std::move(s)), id(i) {
    state->connections[id] = &stream;
  }
  ~Registration() {
    state->connections.erase(id);
    state->admission.Release(id);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  State state;
  ConnectionAdmission::Id id;
};

// One plain HTTP connection, on its own strand.
awaitable<void> ServePlain(State state, tcp::socket socket, ConnectionAdmission::Id id) {
  beast::tcp_stream stream(std::move(socket));
  Registration registration(state, id, stream);
  // Displaced by a later connection before this coroutine got to run.
  if (!state->admission.is_open(id)) co_return;
  co_await ServeRequests(state, stream, id);
}

// One HTTPS connection, on its own strand: the handshake under the header deadline, then
// requests.
awaitable<void> ServeTls(State state, tcp::socket socket, ConnectionAdmission::Id id) {
  TlsStream stream(std::move(socket), *state->access.tls);
  Registration registration(state, id, Tcp(stream));
  if (!state->admission.is_open(id)) co_return;
  Tcp(stream).expires_after(state->limits.header_timeout);
  std::tuple<beast::error_code> shook =
      co_await stream.async_handshake(ssl::stream_base::server, kAsTuple);
  if (std::get<0>(shook) == beast::error::timeout) ++state->stats.header_timeouts;
  if (std::get<0>(shook) || !state->serving) co_return;  // not TLS, or a client that gave up
  co_await ServeRequests(state, stream, id);
}

// Whom a limit per client counts a connection against: its IPv4 address, or the /64 of an IPv6
// one (one host commonly holds a whole /64).
template <typename Socket>
std::string ClientKey(const Socket& socket) {
  beast::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "?";  // already reset by the peer: it will end at its first read
  asio::ip::address a = peer.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  if (a.is_v4()) return a.to_string();
  asio::ip::address_v6::bytes_type bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace

awaitable<void> AcceptLoop(State state) {
  while (state->serving) {
    // Each connection gets its own strand, as in Beast's advanced server.
    auto accepted = co_await state->acceptor.async_accept(asio::make_strand(state->io), kAsTuple);
    beast::error_code ec = std::get<0>(accepted);
    auto& socket = std::get<1>(accepted);
    if (!state->serving || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or the like: wait a little rather than spin.
      asio::steady_timer pause(state->io, std::chrono::milliseconds(100));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    ConnectionAdmission::Id id = ++state->next_id;
    ConnectionAdmission::Decision decision =
        state->admission.Admit(id, ClientKey(socket), ConnectionAdmission::Clock::now());
    for (ConnectionAdmission::Id displaced : decision.displaced) {
      ++state->stats.connections_displaced;
      // One thread runs the io_context, so no connection's strand runs now; closing makes its
      // pending operation complete with operation_aborted. A connection whose coroutine has not
      // started yet finds itself no longer open when it does.
      if (auto c = state->connections.find(displaced); c != state->connections.end()) {
        c->second->close();
      }
    }
    if (!decision.admitted) {
      ++state->stats.connections_refused;
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++state->stats.connections_accepted;
    auto executor = socket.get_executor();
    if (state->access.tls) {
      asio::co_spawn(executor, ServeTls(state, tcp::socket(std::move(socket)), id),
                     IgnoreException);
    } else {
      asio::co_spawn(executor, ServePlain(state, tcp::socket(std::move(socket)), id),
                     IgnoreException);
    }
  }
}

}  // namespace firedrill::control_internal
