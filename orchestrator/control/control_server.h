// The HTTP control endpoint of a running drill or the daemon: bearer tokens, JSON, hard limits;
// plain HTTP on loopback, HTTPS (TLS) wherever else it listens.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"
// Screening a request's head (ScreenControlHead) and routing it (DispatchControl) are the
// server's steps, in pairs of their own; declared there and reachable through this header.
#include "orchestrator/control/caller_screen.h"
#include "orchestrator/control/control_handler.h"
#include "orchestrator/control/control_router.h"
#include "orchestrator/control/control_stats.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace firedrill {

namespace control_internal {
struct ServerState;
}  // namespace control_internal

/// The server's limits. The defaults are the documented ones (docs/control-api.md).
struct ControlLimits {
  /// Open at once. A new connection displaces the oldest unproven one rather than be refused;
  /// it is refused only when every connection belongs to a proven caller (ConnectionAdmission).
  std::size_t max_connections = 64;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  /// Deadline of each body read and response write, and of a proven caller's kept-alive
  /// connection waiting for its next request.
  std::chrono::milliseconds io_timeout{10'000};
  /// Deadline of a new connection's TLS handshake, and of each request head: from accept for the
  /// first, from its first byte for a later one.
  std::chrono::milliseconds header_timeout{5'000};
  /// Connections of one client address (an IPv6 client's /64) not yet proven; a further one
  /// displaces the oldest of them.
  std::size_t max_unproven_per_client = 8;
  /// Of max_connections, the ones unproven connections never hold: room for callers with a token.
  std::size_t kept_for_proven = 16;
  /// How long a new connection is safe from the two limits above (not from max_connections):
  /// time for a burst of connections from one client to send their requests.
  std::chrono::milliseconds unproven_grace{1'000};
};

/// Who may use the server beyond the state directory's own token, and where it listens.
struct ControlAccess {
  /// Returns the role of an API token (the text after "Bearer "), or nullopt when it is not a
  /// valid token. Unset: only the state directory's own token is accepted. Called on the loop
  /// thread.
  std::function<std::optional<std::string>(std::string_view token)> token_role;
  /// Path prefixes (e.g. "/v1/alerts/") whose requests carry their own proof (a webhook secret or
  /// signature) and reach the handler without a bearer token, with an empty role.
  std::vector<std::string> open_prefixes;
  /// Listen address: a loopback address, or any address (0.0.0.0, ::, a host's own) with `tls`.
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: an ephemeral port
  /// Set: every connection speaks TLS (see MakeServerTlsContext); required off loopback.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// The certificate file behind `tls`, published in control.json so that clients on this host
  /// trust exactly that certificate.
  std::string tls_cert_file;
};

/// Serves the control API (on 127.0.0.1 on an ephemeral port unless ControlAccess says
/// otherwise). A connection is *proven* once a request of it carried a valid token, or on an open
/// route (a webhook) was answered 2xx by the handler, which checked its proof; slow or silent
/// clients that never get there cannot lock proven callers out (ControlLimits,
/// ConnectionAdmission). Everything runs on the given io_context, which must run on one thread and
/// outlive this object. Start and Stop are called on that thread (or while the io_context is not
/// running).
class ControlServer {
 public:
  /// Serves `routes` (by default the v1 API; their strings must outlive the server) for
  /// `handler`, which must outlive the server; publishes itself in `state_dir`.
  ControlServer(boost::asio::io_context& io, std::filesystem::path state_dir,
                ControlHandler& handler, ControlLimits limits = {},
                std::span<const ControlRoute> routes = kControlRoutes, ControlAccess access = {});
  /// Calls Stop().
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Listens on the access's address and port (127.0.0.1:0 by default), makes a fresh token (32
  /// random bytes, hex) and writes `state_dir/control.json` atomically with mode 0600: port,
  /// token, pid, the address to connect to (loopback when listening on every address), and with
  /// TLS `"tls": true` and the certificate file. Fails, changing nothing, if the state dir cannot
  /// be used, the socket cannot be opened, or a live process other than this one already
  /// publishes a control.json there; a control.json of a dead process is replaced. An address
  /// that is not a loopback one is refused without TLS: the API carries bearer tokens, which must
  /// not cross a network in clear text.
  Status Start();

  /// Closes the acceptor and every open connection (no handler call happens afterwards) and
  /// removes control.json if it is still this server's (same pid and token). Idempotent.
  void Stop();

  /// The port listened on; 0 before Start().
  std::uint16_t port() const;
  /// The bearer token; empty before Start().
  const std::string& token() const;
  /// The counters so far (all 0 before Start()). On the server's thread only.
  ControlStats stats() const;

 private:
  // Shared with every connection, so that a connection still closing after this object is gone
  // touches nothing freed.
  std::shared_ptr<control_internal::ServerState> state_;
};

}  // namespace firedrill
