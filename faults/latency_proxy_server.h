// The TCP proxy behind network.latency-proxy and `firedrill proxy`: accepts connections, opens one
// to the upstream for each, and relays both directions with every chunk of data held back by a
// latency (plus or minus jitter); resets a fraction of connections. One Boost.Asio event loop on
// one thread does all of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/host_port.h"

namespace firedrill {

namespace proxy_internal {
/// The event loop and connections of a LatencyProxyServer (defined in its .cpp).
struct ServerState;
}  // namespace proxy_internal

/// Bytes a direction of a connection may hold queued before the proxy stops reading its source.
inline constexpr std::size_t kDefaultProxyQueueLimit = 1024 * 1024;

/// What one proxy does.
struct LatencyProxyOptions {
  HostPort listen;  ///< where it accepts; port 0 picks a free port (see LatencyProxyServer::bound)
  HostPort upstream;    ///< where each connection is forwarded, resolved again for every connection
  Duration latency{0};  ///< how long every chunk of data is held, in each direction
  Duration jitter{0};   ///< each chunk's hold varies uniformly by up to this, never below zero
  double reset_probability = 0;  ///< fraction of accepted connections reset at once, 0..1
  std::uint64_t seed = 0;        ///< seeds the random decisions (which connection, which jitter)
  /// Per direction of a connection: above this many queued bytes the proxy stops reading the
  /// sending side until the receiving side has taken some (backpressure).
  std::size_t queue_limit = kDefaultProxyQueueLimit;
  /// Receives one line per event (connection opened, reset, closed, upstream unreachable), on the
  /// event-loop thread; may be empty.
  std::function<void(const std::string&)> log;
};

/// One running proxy. Create binds and listens at once (so connections queue from then on); Run
/// serves them on the calling thread until Stop or, after StopOnSignals, SIGINT or SIGTERM.
///
/// Per connection: with probability `reset_probability` it is closed with SO_LINGER 0 (the client
/// sees a reset) and nothing is forwarded. Otherwise the upstream is connected (failing that, the
/// client is reset too) and data is relayed in both directions. Each chunk read is due for writing
/// `latency` plus a uniform sample of [-jitter, +jitter] after it was read (at least 0), and never
/// before an earlier chunk of its direction, so data keeps its order. An end of stream from one
/// side is passed on (shutdown of sending on the other) once what came before it was written; the
/// connection ends when both directions have ended, or at once on an error (a reset from one side
/// is passed on as a reset to the other).
class LatencyProxyServer {
 public:
  /// Resolves and binds `options.listen` and starts listening. Returns an Error naming the address
  /// if it cannot be resolved or bound (e.g. "127.0.0.1:15432: Address already in use").
  static Expected<std::unique_ptr<LatencyProxyServer>> Create(LatencyProxyOptions options);

  /// Closes every socket still open. Call Stop and let Run return first.
  ~LatencyProxyServer();
  LatencyProxyServer(const LatencyProxyServer&) = delete;
  LatencyProxyServer& operator=(const LatencyProxyServer&) = delete;

  /// Returns the address actually bound (with the port picked when `listen.port` was 0).
  HostPort bound() const;

  /// Makes Run stop, as Stop does, when the process gets SIGINT or SIGTERM. Call before Run.
  void StopOnSignals();

  /// Serves connections on the calling thread until stopped; returns once every connection is
  /// closed. Call at most once.
  void Run();

  /// Stops accepting and closes every connection (queued data is dropped); Run then returns.
  /// Safe to call from any thread, also before Run and more than once.
  void Stop();

 private:
  explicit LatencyProxyServer(std::unique_ptr<proxy_internal::ServerState> state);
  std::unique_ptr<proxy_internal::ServerState> impl_;
};

}  // namespace firedrill
