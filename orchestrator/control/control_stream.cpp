// Sending a streamed answer (server-sent events) from its ResponseFeed.
#include "orchestrator/control/control_stream.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <tuple>

namespace firedrill::control_internal {
namespace {

namespace http = beast::http;

}  // namespace

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

template awaitable<void> SendStream<beast::tcp_stream>(State state, beast::tcp_stream& stream,
                                                       ControlResponse r, unsigned version,
                                                       ConnectionAdmission::Id id);
template awaitable<void> SendStream<TlsStream>(State state, TlsStream& stream, ControlResponse r,
                                               unsigned version, ConnectionAdmission::Id id);

}  // namespace firedrill::control_internal
