#include "faults/latency_proxy_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <csignal>
#include <deque>
#include <optional>
#include <random>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

namespace firedrill {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Micros = std::chrono::microseconds;
using boost::system::error_code;

// Completion token for awaiting an operation without exceptions: the error code comes first in
// the awaited tuple. (GCC 12 miscompiles `co_await` inside conditions: every result is awaited
// into a variable first.)
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// The most one read takes from a socket: one chunk.
constexpr std::size_t kReadSize = 64 * 1024;
// Counted against the queue limit for every chunk besides its bytes, so that a flood of tiny
// chunks cannot pile up without bound either.
constexpr std::size_t kChunkOverhead = 128;

std::string EndpointText(const tcp::endpoint& endpoint) {
  return HostPort{endpoint.address().to_string(), endpoint.port(), endpoint.address().is_v6()}
      .ToString();
}

std::string PeerText(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  return ec ? std::string("an unknown peer") : EndpointText(peer);
}

// True for the errors that mean the peer reset the connection (or is gone for good): the proxy
// passes those on as a reset of the other side.
bool IsReset(const error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

// Closes `socket` so that its peer sees a reset (RST) instead of an end of stream.
void ResetSocket(tcp::socket& socket) {
  error_code ignored;
  if (socket.is_open()) socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// Data read from one side, due for writing to the other at `due`. An end of stream is a chunk
// too, so that it waits behind the data before it.
struct Chunk {
  Clock::time_point due;
  std::vector<char> data;
  bool eof = false;
};

// One direction of a connection: a reader fills the queue, a writer drains it when chunks are
// due. The two timers serve as wake-up signals (expiring never, cancelled to wake).
struct Direction {
  Direction(tcp::socket& source, tcp::socket& sink, const char* from_name, const char* to_name)
      : from(source),
        to(sink),
        from_side(from_name),
        to_side(to_name),
        writer_wake(source.get_executor()),
        reader_wake(source.get_executor()),
        buffer(kReadSize) {}

  tcp::socket& from;
  tcp::socket& to;
  const char* from_side;  // "client" or "upstream", for messages
  const char* to_side;
  std::deque<Chunk> queue;
  std::size_t queued = 0;  // bytes plus kChunkOverhead per chunk
  Clock::time_point last_due{};
  asio::steady_timer writer_wake;  // waits for data, or until the front chunk is due
  asio::steady_timer reader_wake;  // waits while the queue is over the limit
  std::vector<char> buffer;
  std::uint64_t relayed = 0;
};

}  // namespace

namespace proxy_internal {

class ProxySession;

// The event loop, the listening socket and the open connections of one proxy.
struct ServerState {
  explicit ServerState(LatencyProxyOptions opts)
      : options(std::move(opts)),
        rng(options.seed),
        reset_draw(options.reset_probability),
        acceptor(io) {}

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // Returns when a chunk read now is due: now + latency +/- jitter (at least now), and not before
  // `earliest` (the previous chunk of its direction), so chunks never overtake each other.
  Clock::time_point Due(Clock::time_point earliest) {
    Micros delay = std::chrono::duration_cast<Micros>(options.latency);
    if (options.jitter > Duration::zero()) {
      const long long spread = std::chrono::duration_cast<Micros>(options.jitter).count();
      delay += Micros(std::uniform_int_distribution<long long>(-spread, spread)(rng));
    }
    delay = std::max(delay, Micros::zero());
    return std::max(Clock::now() + delay, earliest);
  }

  void DoStop();

  LatencyProxyOptions options;
  HostPort bound;
  std::mt19937_64 rng;
  std::bernoulli_distribution reset_draw;
  // Open connections. Declared before the io_context: sessions still held by its handlers leave
  // this set while it is destroyed.
  std::unordered_set<ProxySession*> sessions;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::optional<asio::signal_set> signals;
  bool stopping = false;
  std::uint64_t next_id = 1;
};

// One proxied connection. Its coroutines (connect, then a reader and a writer per direction)
// each hold a shared_ptr to it; it is gone when the last of them returns.
class ProxySession {
 public:
  ProxySession(ServerState& server, tcp::socket client_socket, std::uint64_t id)
      : server_(server),
        id_(id),
        peer_(PeerText(client_socket)),
        client_(std::move(client_socket)),
        upstream_(server.io),
        resolver_(server.io),
        up_(client_, upstream_, "client", "upstream"),
        down_(upstream_, client_, "upstream", "client") {
    server_.sessions.insert(this);
  }
  ~ProxySession() { server_.sessions.erase(this); }
  ProxySession(const ProxySession&) = delete;
  ProxySession& operator=(const ProxySession&) = delete;

  // Connects the upstream, then relays both directions.
  static asio::awaitable<void> Serve(std::shared_ptr<ProxySession> self) {
    const HostPort& upstream = self->server_.options.upstream;
    std::tuple<error_code, tcp::resolver::results_type> resolved =
        co_await self->resolver_.async_resolve(upstream.host, std::to_string(upstream.port),
                                               kAwait);
    if (self->closed_) co_return;
    if (std::get<0>(resolved)) {
      self->End(true, fmt::format("cannot resolve upstream {}: {}; client reset",
                                  upstream.ToString(), std::get<0>(resolved).message()));
      co_return;
    }
    std::tuple<error_code, tcp::endpoint> connected =
        co_await asio::async_connect(self->upstream_, std::get<1>(resolved), kAwait);
    if (self->closed_) co_return;
    if (std::get<0>(connected)) {
      self->End(true, fmt::format("upstream {} does not accept connections: {}; client reset",
                                  upstream.ToString(), std::get<0>(connected).message()));
      co_return;
    }
    // Chunks are written as they fall due; Nagle's algorithm would hold small ones back further.
    error_code ignored;
    self->client_.set_option(tcp::no_delay(true), ignored);
    self->upstream_.set_option(tcp::no_delay(true), ignored);
    const std::string address = EndpointText(std::get<1>(connected));
    self->server_.Log(fmt::format("connection {} from {}: forwarding to {}{}", self->id_,
                                  self->peer_, upstream.ToString(),
                                  address == upstream.ToString() ? "" : " (" + address + ")"));
    const auto executor = self->server_.io.get_executor();
    asio::co_spawn(executor, Read(self, self->up_), asio::detached);
    asio::co_spawn(executor, Write(self, self->up_), asio::detached);
    asio::co_spawn(executor, Read(self, self->down_), asio::detached);
    asio::co_spawn(executor, Write(self, self->down_), asio::detached);
  }

  // Closes both sockets at once (with a reset when `reset`), dropping queued data, and wakes
  // every coroutine of the connection so that it returns. Does nothing the second time.
  void End(bool reset, const std::string& why) {
    if (closed_) return;
    closed_ = true;
    if (!why.empty()) server_.Log(fmt::format("connection {} from {}: {}", id_, peer_, why));
    error_code ignored;
    if (reset) {
      ResetSocket(client_);
      ResetSocket(upstream_);
    } else {
      client_.close(ignored);
      upstream_.close(ignored);
    }
    resolver_.cancel();
    for (Direction* d : {&up_, &down_}) {
      d->writer_wake.cancel();
      d->reader_wake.cancel();
    }
  }

 private:
  // Reads chunks from the direction's source into its queue until an end of stream or an error,
  // pausing while the queue is over the limit.
  static asio::awaitable<void> Read(std::shared_ptr<ProxySession> self, Direction& d) {
    ServerState& server = self->server_;
    while (!self->closed_) {
      if (d.queued >= server.options.queue_limit) {
        d.reader_wake.expires_at(Clock::time_point::max());
        std::tuple<error_code> woken = co_await d.reader_wake.async_wait(kAwait);
        (void)woken;
        continue;
      }
      std::tuple<error_code, std::size_t> read =
          co_await d.from.async_read_some(asio::buffer(d.buffer), kAwait);
      if (self->closed_) co_return;
      const error_code ec = std::get<0>(read);
      if (ec && ec != asio::error::eof) {
        self->End(IsReset(ec),
                  fmt::format("reading from the {} failed: {}; {}", d.from_side, ec.message(),
                              IsReset(ec) ? "reset both sides" : "closed"));
        co_return;
      }
      Chunk chunk;
      chunk.due = server.Due(d.last_due);
      d.last_due = chunk.due;
      chunk.eof = ec == asio::error::eof;
      chunk.data.assign(d.buffer.begin(),
                        d.buffer.begin() + static_cast<std::ptrdiff_t>(std::get<1>(read)));
      d.queued += chunk.data.size() + kChunkOverhead;
      const bool was_empty = d.queue.empty();
      d.queue.push_back(std::move(chunk));
      // A writer with an empty queue waits for data; otherwise it waits for the front chunk,
      // which this one does not change.
      if (was_empty) d.writer_wake.cancel();
      if (d.queue.back().eof) co_return;
    }
  }

  // Writes the direction's chunks to its sink as they fall due; passes an end of stream on as a
  // shutdown of sending.
  static asio::awaitable<void> Write(std::shared_ptr<ProxySession> self, Direction& d) {
    while (!self->closed_) {
      if (d.queue.empty() || Clock::now() < d.queue.front().due) {
        d.writer_wake.expires_at(d.queue.empty() ? Clock::time_point::max() : d.queue.front().due);
        std::tuple<error_code> woken = co_await d.writer_wake.async_wait(kAwait);
        (void)woken;
        continue;
      }
      if (d.queue.front().eof) {
        error_code ignored;
        d.to.shutdown(tcp::socket::shutdown_send, ignored);
        d.queue.pop_front();
        d.queued -= kChunkOverhead;
        self->DirectionEnded();
        co_return;
      }
      std::tuple<error_code, std::size_t> written =
          co_await asio::async_write(d.to, asio::buffer(d.queue.front().data), kAwait);
      if (self->closed_) co_return;
      const error_code ec = std::get<0>(written);
      if (ec) {
        self->End(IsReset(ec),
                  fmt::format("writing to the {} failed: {}; {}", d.to_side, ec.message(),
                              IsReset(ec) ? "reset both sides" : "closed"));
        co_return;
      }
      d.relayed += std::get<1>(written);
      d.queued -= d.queue.front().data.size() + kChunkOverhead;
      d.queue.pop_front();
      d.reader_wake.cancel();
    }
  }

  // Called when a direction has passed on its end of stream; the second one closes the
  // connection.
  void DirectionEnded() {
    if (++ended_directions_ < 2) return;
    End(false,
        fmt::format("closed: {} bytes to the upstream, {} bytes back", up_.relayed, down_.relayed));
  }

  ServerState& server_;
  std::uint64_t id_;
  std::string peer_;
  tcp::socket client_;
  tcp::socket upstream_;
  tcp::resolver resolver_;
  Direction up_;    // client -> upstream
  Direction down_;  // upstream -> client
  bool closed_ = false;
  int ended_directions_ = 0;
};

namespace {

// Accepts connections until the acceptor is closed; resets the drawn ones, serves the others.
asio::awaitable<void> Accept(ServerState& server) {
  while (!server.stopping) {
    std::tuple<error_code, tcp::socket> accepted = co_await server.acceptor.async_accept(kAwait);
    if (server.stopping) co_return;
    const error_code ec = std::get<0>(accepted);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      server.Log(fmt::format("accepting a connection failed: {}", ec.message()));
      // E.g. out of file descriptors: give connections time to close instead of spinning.
      asio::steady_timer pause(server.io, std::chrono::milliseconds(100));
      std::tuple<error_code> paused = co_await pause.async_wait(kAwait);
      (void)paused;
      continue;
    }
    tcp::socket socket = std::move(std::get<1>(accepted));
    const std::uint64_t id = server.next_id++;
    // Drawn for every connection, so that a seed gives the same decisions in the same order.
    if (server.reset_draw(server.rng)) {
      server.Log(fmt::format("connection {} from {}: reset by the proxy", id, PeerText(socket)));
      ResetSocket(socket);
      continue;
    }
    auto session = std::make_shared<ProxySession>(server, std::move(socket), id);
    asio::co_spawn(server.io, ProxySession::Serve(std::move(session)), asio::detached);
  }
}

}  // namespace

void ServerState::DoStop() {
  if (stopping) return;
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  if (signals) signals->cancel(ignored);
  // End only closes and cancels; no session leaves the set before its coroutines resume.
  for (ProxySession* session : sessions) session->End(false, "");
}

}  // namespace proxy_internal

Expected<std::unique_ptr<LatencyProxyServer>> LatencyProxyServer::Create(
    LatencyProxyOptions options) {
  if (!(options.reset_probability >= 0 && options.reset_probability <= 1)) {
    return Error(
        fmt::format("reset probability must be from 0 to 1, not {:g}", options.reset_probability));
  }
  if (options.latency < Duration::zero() || options.jitter < Duration::zero()) {
    return Error("latency and jitter must not be negative");
  }
  if (options.queue_limit == 0) return Error("the queue limit must be above 0");
  auto impl = std::make_unique<proxy_internal::ServerState>(std::move(options));
  const HostPort& listen = impl->options.listen;
  error_code ec;
  tcp::resolver resolver(impl->io);
  tcp::resolver::results_type results =
      resolver.resolve(listen.host, std::to_string(listen.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (!ec && results.empty()) ec = asio::error::host_not_found;
  if (ec) return Error(fmt::format("cannot resolve {}: {}", listen.ToString(), ec.message()));
  const tcp::endpoint endpoint = results.begin()->endpoint();
  tcp::acceptor& acceptor = impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  // Lets a restarted proxy bind while old connections linger in TIME_WAIT; a port another socket
  // listens on stays refused.
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error(fmt::format("cannot listen on {}: {}", listen.ToString(), ec.message()));
  tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return Error(fmt::format("cannot listen on {}: {}", listen.ToString(), ec.message()));
  // Keep the host as written (a name stays a name); only the port may have been picked.
  impl->bound = listen;
  impl->bound.port = bound.port();
  return std::unique_ptr<LatencyProxyServer>(new LatencyProxyServer(std::move(impl)));
}

LatencyProxyServer::LatencyProxyServer(std::unique_ptr<proxy_internal::ServerState> state)
    : impl_(std::move(state)) {}

LatencyProxyServer::~LatencyProxyServer() = default;

HostPort LatencyProxyServer::bound() const { return impl_->bound; }

void LatencyProxyServer::StopOnSignals() {
  proxy_internal::ServerState* impl = impl_.get();
  impl->signals.emplace(impl->io, SIGINT, SIGTERM);
  impl->signals->async_wait([impl](const error_code& ec, int signal) {
    if (ec) return;
    impl->Log(fmt::format("stopping on signal {}", signal == SIGINT ? "SIGINT" : "SIGTERM"));
    impl->DoStop();
  });
}

void LatencyProxyServer::Run() {
  asio::co_spawn(impl_->io, proxy_internal::Accept(*impl_), asio::detached);
  impl_->io.run();
}

void LatencyProxyServer::Stop() {
  proxy_internal::ServerState* impl = impl_.get();
  asio::post(impl->io, [impl] { impl->DoStop(); });
}

}  // namespace firedrill
