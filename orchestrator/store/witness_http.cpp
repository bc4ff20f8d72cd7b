// A small blocking HTTP(S) client on Beast, with its own io_context: nothing of it outlives the
// call.
#include "orchestrator/store/witness_http.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <utility>

#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Sends the request on an open stream (plain or TLS) and reads the answer.
template <typename Stream>
asio::awaitable<WitnessHttpAnswer> PostAndReadAnswer(Stream& stream, const HttpUrl& url,
                                                     const WitnessHttpRequest& request,
                                                     Clock::time_point end) {
  http::request<http::string_body> req{request.body ? http::verb::post : http::verb::get,
                                       url.target, 11};
  req.set(http::field::host, url.HostHeader());
  req.set(http::field::user_agent, "firedrill-witness");
  req.set(http::field::connection, "close");
  if (request.body) {
    req.set(http::field::content_type, "application/json");
    req.body() = *request.body;
    req.prepare_payload();
  }
  beast::get_lowest_layer(stream).expires_at(end);
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(request.max_answer);
  beast::get_lowest_layer(stream).expires_at(end);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  WitnessHttpAnswer answer;
  answer.status = static_cast<int>(parser.get().result_int());
  answer.body = std::move(parser.get().body());
  co_return answer;
}

asio::awaitable<WitnessHttpAnswer> Exchange(const HttpUrl& url, const WitnessHttpRequest& request,
                                            ssl::context* tls) {
  auto executor = co_await asio::this_coro::executor;
  const Clock::time_point end = Clock::now() + request.timeout;
  // The resolver has no deadline of its own: a timer cancels it.
  tcp::resolver resolver(executor);
  asio::steady_timer deadline(executor, end);
  deadline.async_wait([&resolver](const boost::system::error_code& ec) {
    if (!ec) resolver.cancel();
  });
  auto endpoints = co_await resolver.async_resolve(
      url.host, std::to_string(url.port), tcp::resolver::numeric_service, asio::use_awaitable);
  deadline.cancel();
  if (tls == nullptr) {
    beast::tcp_stream stream(executor);
    stream.expires_at(end);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    WitnessHttpAnswer answer = co_await PostAndReadAnswer(stream, url, request, end);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return answer;
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, *tls);
  boost::system::error_code not_ip;
  asio::ip::make_address(url.host, not_ip);
  // SNI carries host names only (RFC 6066); an address is checked against the certificate too.
  if (not_ip && SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
    throw boost::system::system_error(boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                                                asio::error::get_ssl_category()));
  }
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_at(end);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  beast::get_lowest_layer(stream).expires_at(end);
  co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
  WitnessHttpAnswer answer = co_await PostAndReadAnswer(stream, url, request, end);
  // No TLS close_notify wait: the answer is complete, and the peer closes anyway.
  co_return answer;
}

}  // namespace

Expected<WitnessHttpAnswer> ExchangeWithWitness(const WitnessHttpRequest& request) {
  auto url = ParseHttpUrl(request.url);
  if (!url) return url.error();
  const std::string origin = url->Origin();
  std::optional<ssl::context> tls;
  try {
    if (url->tls) {
      tls.emplace(ssl::context::tls_client);
      tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (request.ca_file) {
        tls->load_verify_file(request.ca_file->string());
      } else {
        tls->set_default_verify_paths();
      }
    }
  } catch (const boost::system::system_error& e) {
    return Error{fmt::format("{}: cannot set up TLS{}: {}", origin,
                             request.ca_file ? " with " + request.ca_file->string() : "",
                             e.code().message())};
  }
  asio::io_context io;
  Expected<WitnessHttpAnswer> result = Error{fmt::format("{}: no answer", origin)};
  asio::co_spawn(io, Exchange(*url, request, tls ? &*tls : nullptr),
                 [&](std::exception_ptr failure, WitnessHttpAnswer answer) {
                   if (!failure) {
                     result = std::move(answer);
                     return;
                   }
                   try {
                     std::rethrow_exception(failure);
                   } catch (const boost::system::system_error& e) {
                     bool late = e.code() == beast::error::timeout ||
                                 e.code() == asio::error::operation_aborted;
                     result = Error{fmt::format(
                         "{}: {}", origin,
                         late ? fmt::format("no answer within {} ms", request.timeout.count())
                              : e.code().message())};
                   } catch (const std::exception& e) {
                     result = Error{fmt::format("{}: {}", origin, e.what())};
                   }
                 });
  try {
    io.run();
  } catch (const std::exception& e) {
    return Error{fmt::format("{}: {}", origin, e.what())};
  }
  return result;
}

}  // namespace firedrill
