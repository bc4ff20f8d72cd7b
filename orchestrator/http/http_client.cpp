// The one HTTP(S) client (see http_client.h): Beast over Asio, one coroutine per exchange.
#include "orchestrator/http/http_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <memory>
#include <tuple>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// The token of every operation of an exchange: results as a tuple, and no cancellation slot of
// its own. The calling coroutine's slot belongs to the exchange's handler (Context::Arm), which
// closes what is open, whatever the operation.
auto Step() {
  return asio::bind_cancellation_slot(asio::cancellation_slot(),
                                      asio::as_tuple(asio::use_awaitable));
}

// What ends a stage from outside it: the deadline of the name resolution (the resolver has no
// deadline of its own), and the caller's cancellation. Shared with the resolve's timer, whose
// handler may run after the exchange is over.
struct Interrupt {
  tcp::resolver* resolver = nullptr;
  beast::tcp_stream* stream = nullptr;  // the lowest layer, from connecting on
  bool resolve_timed_out = false;
  bool cancelled = false;
  bool over = false;

  void Cancel() {
    if (over) return;
    cancelled = true;
    if (resolver != nullptr) resolver->cancel();
    if (stream != nullptr) stream->close();
  }
};

// One exchange's settings and how it ends.
struct Context {
  const HttpRequest& request;
  std::string origin;
  Clock::time_point end;
  std::shared_ptr<Interrupt> interrupt;
  asio::cancellation_state cancellation;

  // Hands a cancellation of the calling coroutine to `interrupt`, for the next operation: Asio
  // clears the slot whenever an awaited operation completes, so this comes before each one.
  void Arm() {
    asio::cancellation_slot slot = cancellation.slot();
    if (!slot.is_connected()) return;
    slot.assign([interrupt = interrupt](asio::cancellation_type) { interrupt->Cancel(); });
  }

  HttpResult Fail(HttpStage stage, const beast::error_code& ec, std::string reason = "") const {
    HttpResult out;
    HttpFailure& f = out.failure;
    f.origin = origin;
    f.stage = stage;
    f.timeout = request.timeout;
    if (interrupt->cancelled) {
      f.cancelled = true;
      f.reason = "cancelled";
    } else if (ec == beast::error::timeout ||
               (stage == HttpStage::kResolve && interrupt->resolve_timed_out)) {
      f.timed_out = true;
      f.reason = fmt::format("no answer within {} ms", request.timeout.count());
    } else {
      f.error = ec;
      f.reason = reason.empty() ? ec.message() : std::move(reason);
    }
    return out;
  }
};

template <typename Stream>
asio::awaitable<HttpResult> SendAndRead(Context& cx, Stream& stream) {
  const HttpRequest& r = cx.request;
  http::verb verb = http::string_to_verb(r.method);
  if (verb == http::verb::unknown) {
    co_return cx.Fail(HttpStage::kSend, {}, fmt::format("unknown HTTP method \"{}\"", r.method));
  }
  http::request<http::string_body> req{verb, r.url.target, 11};
  req.set(http::field::host, r.url.HostHeader());
  req.set(http::field::user_agent, "firedrill/" FIREDRILL_VERSION);
  for (const auto& [name, value] : r.headers) req.set(name, value);
  req.keep_alive(false);
  req.body() = r.body;
  req.prepare_payload();
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(cx.end);
  cx.Arm();
  auto [write_ec, written] = co_await http::async_write(stream, req, Step());
  // Awaiting anything after a cancellation would throw (Asio's throw_if_cancelled).
  if (cx.interrupt->cancelled || write_ec == beast::error::timeout) {
    co_return cx.Fail(HttpStage::kSend, write_ec);
  }
  // A server may answer (413, 401) and close before reading everything sent; its answer is
  // still worth reading, so a failed write is reported only if no answer follows.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(r.body_limit);
  lowest.expires_at(cx.end);
  cx.Arm();
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, Step());
  bool cut = read_ec == http::error::body_limit && parser.is_header_done() &&
             r.keep_status_of_long_body && !cx.interrupt->cancelled;
  if (read_ec && !cut) {
    co_return write_ec ? cx.Fail(HttpStage::kSend, write_ec) : cx.Fail(HttpStage::kRead, read_ec);
  }
  http::response<http::string_body>& res = parser.get();
  HttpAnswer answer;
  answer.status = static_cast<int>(res.result_int());
  answer.reason = std::string(res.reason());
  answer.body_cut = cut;
  if (!cut) answer.body = std::move(res.body());
  for (const auto& field : res) {
    answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  HttpResult out;
  out.answer = std::move(answer);
  co_return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view HttpStageName(HttpStage stage) {
  switch (stage) {
    case HttpStage::kResolve:
      return "resolving the host";
    case HttpStage::kConnect:
      return "connecting";
    case HttpStage::kHandshake:
      return "doing the TLS handshake";
    case HttpStage::kSend:
      return "sending the request";
    case HttpStage::kRead:
      return "reading the answer";
  }
  return "exchanging";
}

Expected<HttpTls> MakeHttpTls(const std::string& ca_file) {
  HttpTls tls;
  SSL_CTX_set_min_proto_version(tls.context.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    tls.context.set_default_verify_paths(ec);
    if (ec)
      return Error(fmt::format("cannot load the system's trusted certificates: {}", ec.message()));
  } else {
    tls.context.load_verify_file(ca_file, ec);
    if (ec)
      return Error(
          fmt::format("cannot read trusted certificates from {}: {}", ca_file, ec.message()));
  }
  tls.context.set_verify_mode(ssl::verify_peer);
  return tls;
}

bool IsHttpMethod(std::string_view method) {
  return http::string_to_verb(method) != http::verb::unknown;
}

std::string HttpAnswer::Header(std::string_view name) const {
  std::string wanted = AsciiLower(name);
  for (const auto& [n, value] : headers) {
    if (AsciiLower(n) == wanted) return value;
  }
  return "";
}

std::string HttpFailure::Message() const {
  std::string what = reason;
  if (!certificate_problem.empty()) what += ": " + certificate_problem;
  return fmt::format("{}: {} ({})", origin, what, HttpStageName(stage));
}

asio::awaitable<HttpResult> Exchange(const HttpRequest& request, HttpTls* tls) {
  auto executor = co_await asio::this_coro::executor;
  // Awaited apart: GCC 12 destroys temporaries twice around a co_await inside a braced
  // initializer.
  asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  Context cx{request, request.url.Origin(), Clock::now() + request.timeout,
             std::make_shared<Interrupt>(), cancellation};
  // Whatever way the exchange ends, nothing may reach into its frame afterwards.
  struct Over {
    Context& cx;
    ~Over() {
      cx.interrupt->over = true;
      cx.interrupt->resolver = nullptr;
      cx.interrupt->stream = nullptr;
      if (cx.cancellation.slot().is_connected()) cx.cancellation.slot().clear();
    }
  } over{cx};
  if (cx.cancellation.cancelled() != asio::cancellation_type::none) {
    cx.interrupt->cancelled = true;
    co_return cx.Fail(HttpStage::kResolve, asio::error::operation_aborted);
  }

  tcp::resolver resolver(executor);
  cx.interrupt->resolver = &resolver;
  asio::steady_timer deadline(executor, cx.end);
  deadline.async_wait([interrupt = cx.interrupt](const beast::error_code& ec) {
    if (ec || interrupt->over || interrupt->resolver == nullptr) return;
    interrupt->resolve_timed_out = true;
    interrupt->resolver->cancel();
  });
  cx.Arm();
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
      request.url.host, std::to_string(request.url.port), tcp::resolver::numeric_service, Step());
  deadline.cancel();
  cx.interrupt->resolver = nullptr;
  if (resolve_ec || cx.interrupt->cancelled) co_return cx.Fail(HttpStage::kResolve, resolve_ec);

  std::optional<HttpTls> system_tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  try {
    if (request.url.tls) {
      if (tls == nullptr) {
        auto made = MakeHttpTls("");
        if (!made.ok()) co_return cx.Fail(HttpStage::kHandshake, {}, made.error().message);
        system_tls.emplace(std::move(*made));
        tls = &*system_tls;
      }
      secure.emplace(executor, tls->context);
      boost::system::error_code not_ip;
      asio::ip::make_address(request.url.host, not_ip);
      // SNI carries host names only (RFC 6066); an address is checked against the certificate
      // all the same.
      if (not_ip &&
          SSL_set_tlsext_host_name(secure->native_handle(), request.url.host.c_str()) != 1) {
        co_return cx.Fail(HttpStage::kHandshake, {}, "cannot set the server name (SNI)");
      }
      secure->set_verify_mode(ssl::verify_peer);
      // Checked by OpenSSL itself, so that a refusal says "hostname mismatch".
      X509_VERIFY_PARAM* param = SSL_get0_param(secure->native_handle());
      const std::string& host = request.url.host;
      if (tls->check_host && (not_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                                     : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())) != 1) {
        co_return cx.Fail(HttpStage::kHandshake, {}, "cannot check the certificate's names");
      }
    } else {
      plain.emplace(executor);
    }
  } catch (const std::exception& e) {
    co_return cx.Fail(request.url.tls ? HttpStage::kHandshake : HttpStage::kConnect, {},
                      fmt::format("cannot set up the connection: {}", e.what()));
  }
  beast::tcp_stream& lowest = secure ? beast::get_lowest_layer(*secure) : *plain;
  cx.interrupt->stream = &lowest;
  lowest.expires_at(cx.end);
  cx.Arm();
  auto [connect_ec, peer] = co_await lowest.async_connect(endpoints, Step());
  if (connect_ec || cx.interrupt->cancelled) co_return cx.Fail(HttpStage::kConnect, connect_ec);

  if (!secure) {
    HttpResult out = co_await SendAndRead(cx, *plain);
    beast::error_code ignored;
    plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return out;
  }
  lowest.expires_at(cx.end);
  cx.Arm();
  auto [shake_ec] = co_await secure->async_handshake(ssl::stream_base::client, Step());
  if (shake_ec || cx.interrupt->cancelled) {
    HttpResult out = cx.Fail(HttpStage::kHandshake, shake_ec);
    long verdict = SSL_get_verify_result(secure->native_handle());
    if (!out.failure.cancelled && !out.failure.timed_out && verdict != X509_V_OK) {
      out.failure.certificate_problem = X509_verify_cert_error_string(verdict);
    }
    co_return out;
  }
  // No TLS close_notify afterwards: the answer is complete (or given up), and a peer that does
  // not answer the shutdown would only hold the caller up.
  co_return co_await SendAndRead(cx, *secure);
}

HttpResult ExchangeBlocking(const HttpRequest& request, HttpTls* tls) {
  asio::io_context io;
  HttpResult result;
  result.failure.origin = request.url.Origin();
  result.failure.reason = "internal error";
  result.failure.timeout = request.timeout;
  asio::co_spawn(io, Exchange(request, tls), [&result](std::exception_ptr e, HttpResult r) {
    // Only bad_alloc can get here (I/O results are error codes): the internal error stays.
    if (!e) result = std::move(r);
  });
  io.run();
  return result;
}

}  // namespace firedrill
