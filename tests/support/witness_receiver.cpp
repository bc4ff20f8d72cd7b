#include "tests/support/witness_receiver.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

namespace firedrill::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct WitnessReceiver::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  mutable std::mutex mu;
  std::vector<std::string> lines;
  int fail_status = 0;
  unsigned short port = 0;  // set before the thread starts
  std::optional<ssl::context> tls;

  template <typename Stream>
  asio::awaitable<void> Serve(Stream& socket) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    co_await http::async_read(socket, buffer, request,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> answer{http::status::ok, request.version()};
    answer.set(http::field::content_type, "text/plain");
    if (request.method() == http::verb::post) {
      std::lock_guard lock(mu);
      if (fail_status != 0) {
        answer.result(static_cast<unsigned>(fail_status));
      } else {
        std::string body = request.body();
        while (!body.empty() && body.back() == '\n') body.pop_back();
        lines.push_back(body);
        answer.result(http::status::created);
      }
    } else {
      std::lock_guard lock(mu);
      for (const std::string& l : lines) answer.body() += l + "\n";
    }
    answer.keep_alive(false);
    answer.prepare_payload();
    co_await http::async_write(socket, answer, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed: stopping
      if (tls) {
        beast::ssl_stream<tcp::socket> stream(std::move(socket), *tls);
        co_await stream.async_handshake(ssl::stream_base::server,
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) co_await Serve(stream);
        beast::get_lowest_layer(stream).shutdown(tcp::socket::shutdown_both, ec);
      } else {
        co_await Serve(socket);
        socket.shutdown(tcp::socket::shutdown_both, ec);
      }
    }
  }
};

WitnessReceiver::WitnessReceiver(std::optional<TestCertificate> tls)
    : state_(std::make_shared<State>()) {
  if (tls) {
    state_->tls.emplace(ssl::context::tls_server);
    state_->tls->use_certificate_chain_file(tls->cert.string());
    state_->tls->use_private_key_file(tls->key.string(), ssl::context::pem);
  }
  tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
  boost::system::error_code ec;
  state_->acceptor.open(local.protocol(), ec);
  if (!ec) state_->acceptor.bind(local, ec);
  if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  INFO(ec.message());
  REQUIRE_FALSE(ec);
  state_->port = state_->acceptor.local_endpoint().port();
  asio::co_spawn(state_->io, state_->Accept(), asio::detached);
  state_->thread = std::thread([s = state_] { s->io.run(); });
}

WitnessReceiver::~WitnessReceiver() {
  asio::post(state_->io, [s = state_] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
  });
  state_->thread.join();
}

std::string WitnessReceiver::url() const {
  return std::string(state_->tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(state_->port) + "/firedrill/checkpoints";
}

std::vector<std::string> WitnessReceiver::lines() const {
  std::lock_guard lock(state_->mu);
  return state_->lines;
}

void WitnessReceiver::FailWith(int status) {
  std::lock_guard lock(state_->mu);
  state_->fail_status = status;
}

}  // namespace firedrill::testing
