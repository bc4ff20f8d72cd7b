// The control server's inside, shared by its parts and by nothing else: the state every
// connection shares (ServerState) and the I/O helpers of both the sessions (control_session.cpp)
// and the streamed answers (control_stream.cpp). Private to orchestrator/control/.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "orchestrator/control/connection_admission.h"
#include "orchestrator/control/control_server.h"
#include "orchestrator/control/response_feed.h"

namespace firedrill::control_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::ip::tcp;
namespace fs = std::filesystem;
/// An HTTPS connection's stream.
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// Completion token of the server's awaits: every I/O result is taken as an error code.
inline constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

/// What the server and all its connections share. Lives as long as the ControlServer or the last
/// connection still closing, whichever is later; touched on the loop thread only.
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

/// How connections hold the shared state.
using State = std::shared_ptr<ServerState>;

/// Any exception out of a connection's coroutine (only bad_alloc can get there: every I/O
/// result is taken as an error code) ends that connection and nothing else.
inline void IgnoreException(const std::exception_ptr&) {}

/// Returns the TCP stream under a plain or TLS one: deadlines and closing act on it.
template <typename Stream>
beast::tcp_stream& Tcp(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

/// Ends a connection whose last answer asked to close: a TCP half-close, or TLS's close_notify
/// (under a deadline: the peer need not answer it).
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

}  // namespace firedrill::control_internal
