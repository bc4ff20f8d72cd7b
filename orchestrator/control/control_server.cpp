#include "orchestrator/control/control_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "orchestrator/control/connection_admission.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/control/response_feed.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::ip::tcp;
namespace fs = std::filesystem;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kBearer = "Bearer ";
constexpr std::size_t kTokenBytes = 32;
// How much a proven caller's idle connection reads at once when its next request begins.
constexpr std::size_t kFirstReadBytes = 4096;
// After refusing a request whose body we did not read, we read and drop what the client still
// sends, up to this much and for at most io_timeout: most simple clients (without Expect:
// 100-continue) send the whole body before they read the answer, and closing with unread data
// makes the kernel send a reset, which such a client sees as a broken pipe instead of our 413 or
// 401 (the "lingering close" of HTTP servers). Beyond it, the client gets the reset.
constexpr std::uint64_t kDrainBytes = 16 * 1024 * 1024;

ControlResponse JsonError(int status, std::string_view message) {
  return {status, json::serialize(json::object{{"error", message}})};
}

ControlResponse TooLarge(const ControlLimits& limits) {
  return JsonError(413,
                   fmt::format("request body over the limit of {} bytes", limits.max_body_bytes));
}

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

Expected<std::string> NewToken() {
  std::array<unsigned char, kTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Error("cannot make a control token: the random number generator failed");
  }
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

// Writes `text` to `dir/control.json` so that readers see the old file or the whole new one,
// never a part, and nobody but us can read the token at any moment (mode 0600 from creation).
Status WriteControlFile(const fs::path& dir, const std::string& text) {
  fs::path final_path = dir / kControlFileName;
  fs::path tmp = dir / fmt::format("{}.{}.tmp", kControlFileName, getpid());
  auto fail = [&](const std::string& what, int fd) {
    Error e(fmt::format("cannot {} {}: {}", what, tmp.string(), std::strerror(errno)));
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return e;
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Left behind by an earlier process that had our pid and crashed mid-write.
    unlink(tmp.c_str());
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) return Error(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  if (fchmod(fd, 0600) != 0) return fail("chmod", fd);  // exactly 0600, whatever the umask
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) return fail("write", fd);
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail("write", fd);
  if (close(fd) != 0) return fail("write", -1);
  if (rename(tmp.c_str(), final_path.c_str()) != 0) return fail("rename", -1);
  // Best effort: make the rename itself durable.
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace

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

namespace control_internal {

struct ServerState {
  ServerState(asio::io_context& io_context, fs::path dir, ControlHandler& h, ControlLimits l,
              std::span<const ControlRoute> r, ControlAccess a)
      : io(io_context),
        state_dir(std::move(dir)),
        handler(h),
        limits(l),
        routes(r.begin(), r.end()),
        access(std::move(a)),
        acceptor(io_context),
        admission(AdmissionLimits{l.max_connections, l.max_unproven_per_client, l.kept_for_proven,
                                  l.unproven_grace}) {}

  asio::io_context& io;
  fs::path state_dir;
  ControlHandler& handler;
  ControlLimits limits;
  std::vector<ControlRoute> routes;
  ControlAccess access;
  tcp::acceptor acceptor;
  std::string token;
  std::uint16_t port = 0;
  bool serving = false;  // false before Start and after Stop: no handler call then
  // Who holds the connections, counted from accept on so that a burst cannot overshoot.
  ConnectionAdmission admission;
  ConnectionAdmission::Id next_id = 0;
  // The streams of the connections whose coroutine has started, for Stop and displacement.
  std::map<ConnectionAdmission::Id, beast::tcp_stream*> connections;
  // The streams (server-sent events) being sent, which Stop ends.
  std::map<ConnectionAdmission::Id, std::shared_ptr<ResponseFeed>> feeds;
  ControlStats stats;
};

}  // namespace control_internal

namespace {

using State = std::shared_ptr<control_internal::ServerState>;

// Any exception out of a connection's coroutine (only bad_alloc can get there: every I/O
// result is taken as an error code) ends that connection and nothing else.
void IgnoreException(const std::exception_ptr&) {}

bool IsParseError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// The TCP stream under a plain or TLS one: deadlines and closing act on it.
template <typename Stream>
beast::tcp_stream& Tcp(Stream& stream) {
  return beast::get_lowest_layer(stream);
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

// Establishes who sends a request from its head: the state directory's own token acts as
// lead, an API token with its role; an open path (a webhook) goes on without a role. Returns the
// refusal of a request that must not be read further.
std::optional<ControlResponse> ScreenCaller(const control_internal::ServerState& s,
                                            const ControlRequestHead& head, ControlCaller& caller) {
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

// Answers a request we refuse without reading on, then closes the connection.
template <typename Stream>
awaitable<void> Refuse(State state, Stream& stream, ControlResponse r, unsigned version) {
  // clang-tidy 14 counts the coroutine frame's own copy of `r` as a use after this, its one move.
  // NOLINTNEXTLINE(bugprone-use-after-move)
  bool sent = co_await Send(state, stream, std::move(r), version, false, "");
  if (sent) co_await LingeringClose(stream, state->limits.io_timeout);
}

// Ends a connection whose last answer asked to close: a TCP half-close, or TLS's close_notify
// (under a deadline: the peer need not answer it).
template <typename Stream>
awaitable<void> Close(Stream& stream, const ControlLimits& limits) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } else {
    Tcp(stream).expires_after(limits.io_timeout);
    co_await stream.async_shutdown(kAsTuple);
  }
  co_return;
}

// Sends a streamed answer: its head and first text, then whatever the handler pushes into the
// feed, until the feed is closed, the client goes away or the server stops. A comment line every
// kHeartbeat tells the client (and us) that the connection still stands. The connection closes
// after it (no Content-Length: the body ends with the connection).
template <typename Stream>
awaitable<void> SendStream(State state, Stream& stream, ControlResponse r, unsigned version,
                           ConnectionAdmission::Id id) {
  constexpr auto kHeartbeat = std::chrono::seconds(15);
  std::shared_ptr<ResponseFeed> feed = r.feed;
  http::response<http::empty_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  ++state->stats.responses[r.status];
  res.set(http::field::server, "firedrill/" FIREDRILL_VERSION);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(false);
  http::response_serializer<http::empty_body> head(res);
  Tcp(stream).expires_after(state->limits.io_timeout);
  std::tuple<beast::error_code, std::size_t> sent =
      co_await http::async_write_header(stream, head, kAsTuple);
  if (std::get<0>(sent)) co_return;
  asio::steady_timer wake(co_await asio::this_coro::executor);
  feed->Attach([&wake] { wake.cancel(); });
  state->feeds[id] = feed;
  std::string text = std::move(r.body);
  while (state->serving) {
    text += feed->Take();
    if (!text.empty()) {
      Tcp(stream).expires_after(state->limits.io_timeout);
      std::tuple<beast::error_code, std::size_t> wrote =
          co_await asio::async_write(stream, asio::buffer(text), kAsTuple);
      if (std::get<0>(wrote)) break;  // the client went away, or reads too slowly
      text.clear();
      continue;  // more may have been pushed meanwhile
    }
    if (feed->closed()) break;
    wake.expires_after(kHeartbeat);
    std::tuple<beast::error_code> waited = co_await wake.async_wait(kAsTuple);
    if (!std::get<0>(waited) && feed->pending() == 0 && !feed->closed()) text = ":\n\n";
  }
  feed->Detach();
  state->feeds.erase(id);
  co_await Close(stream, state->limits);
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

}  // namespace

ControlServer::ControlServer(asio::io_context& io, fs::path state_dir, ControlHandler& handler,
                             ControlLimits limits, std::span<const ControlRoute> routes,
                             ControlAccess access)
    : state_(std::make_shared<control_internal::ServerState>(io, std::move(state_dir), handler,
                                                             limits, routes, std::move(access))) {}

ControlServer::~ControlServer() { Stop(); }

std::uint16_t ControlServer::port() const { return state_->port; }

const std::string& ControlServer::token() const { return state_->token; }

ControlStats ControlServer::stats() const {
  ControlStats out = state_->stats;
  out.connections_open = state_->admission.open();
  return out;
}

Status ControlServer::Start() {
  State& s = state_;
  if (s->serving) return Error("the control endpoint is already started");
  if (Status st = EnsureStateDir(s->state_dir); !st.ok()) return st;
  fs::path file = s->state_dir / kControlFileName;
  std::error_code fs_ec;
  if (fs::exists(file, fs_ec)) {
    auto other = LoadControlFile(file);
    if (other.ok() && other->pid != getpid() && ProcessAlive(other->pid)) {
      return Error(fmt::format(
          "another firedrill process (pid {}) already serves the control endpoint for state "
          "dir {}",
          other->pid, s->state_dir.string()));
    }
  }
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(s->access.address, ec);
  if (ec)
    return Error(fmt::format("cannot listen on \"{}\": not an IP address", s->access.address));
  if (!address.is_loopback() && !s->access.tls) {
    return Error(fmt::format(
        "will not listen on {} without TLS: the API carries bearer tokens, which must not cross "
        "a network in clear text; give a certificate and key (firedrill serve --tls-cert FILE "
        "--tls-key FILE) or listen on 127.0.0.1",
        s->access.address));
  }
  tcp::endpoint endpoint(address, s->access.port);
  s->acceptor.open(endpoint.protocol(), ec);
  // A restart (after a crash, SIGTERM or an upgrade) binds the same port while the connections
  // of the previous process sit in TIME-WAIT for a minute; without SO_REUSEADDR the bind fails
  // for that minute. It still fails while another socket listens there.
  if (!ec) s->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s->acceptor.bind(endpoint, ec);
  if (!ec) s->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) endpoint = s->acceptor.local_endpoint(ec);
  if (ec) {
    beast::error_code ignored;
    s->acceptor.close(ignored);
    return Error(fmt::format("cannot listen on {} port {} for the control endpoint: {}",
                             s->access.address, s->access.port, ec.message()));
  }
  auto token = NewToken();
  if (!token.ok()) {
    s->acceptor.close(ec);
    return token.error();
  }
  // Where a client on this host connects: loopback when listening on every address.
  std::string connect_to = address.is_unspecified()
                               ? (address.is_v6() ? std::string("::1") : std::string("127.0.0.1"))
                               : address.to_string();
  json::object doc{
      {"port", endpoint.port()}, {"token", *token}, {"pid", getpid()}, {"address", connect_to}};
  if (s->access.tls) {
    doc["tls"] = true;
    doc["cert"] = s->access.tls_cert_file;
  }
  if (Status st = WriteControlFile(s->state_dir, json::serialize(doc) + "\n"); !st.ok()) {
    s->acceptor.close(ec);
    return st;
  }
  s->port = endpoint.port();
  s->token = std::move(*token);
  s->serving = true;
  asio::co_spawn(s->io, AcceptLoop(s), IgnoreException);
  return Status::Ok();
}

void ControlServer::Stop() {
  State& s = state_;
  if (!s->serving) return;
  s->serving = false;
  beast::error_code ignored;
  s->acceptor.close(ignored);
  // The io_context runs on one thread and Stop runs on it, so no connection's strand is running
  // now; closing makes each pending read or write complete with operation_aborted.
  std::vector<beast::tcp_stream*> open;
  for (const auto& [id, stream] : s->connections) open.push_back(stream);
  for (beast::tcp_stream* stream : open) stream->close();
  // A stream waiting for its next event is woken by the close of its feed.
  std::vector<std::shared_ptr<ResponseFeed>> feeds;
  for (const auto& [id, feed] : s->feeds) feeds.push_back(feed);
  for (const std::shared_ptr<ResponseFeed>& feed : feeds) feed->Close();
  fs::path file = s->state_dir / kControlFileName;
  auto ours = LoadControlFile(file);
  if (ours.ok() && ours->pid == getpid() && ours->token == s->token) {
    std::error_code ec;
    fs::remove(file, ec);
  }
}

}  // namespace firedrill
