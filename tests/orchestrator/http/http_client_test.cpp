// The HTTP client (orchestrator/http/http_client.h) against a real server on 127.0.0.1 in this
// test: plain and TLS, answers, limits, refusals, the deadline and cancellation.
#include "orchestrator/http/http_client.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/support/test_certificate.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What the server answers to every request.
struct Script {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers{};
  bool hang = false;  // read the request, never answer
};

// A server on 127.0.0.1 with a thread of its own; plain, or TLS with `tls` (a server context
// that outlives it).
class Server {
 public:
  explicit Server(Script script, ssl::context* tls = nullptr)
      : script_(std::move(script)), tls_(tls), acceptor_(io_) {
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Server() {
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      hanging_.clear();
    });
    io_.stop();
    thread_.join();
  }

  std::string Url(std::string_view path, std::string_view host = "127.0.0.1") const {
    return fmt::format("{}://{}:{}{}", tls_ != nullptr ? "https" : "http", host, port_, path);
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }
  // The last request the server read.
  http::request<http::string_body> last() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  template <typename Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    Session(Server& s, Stream st) : server(s), stream(std::move(st)) {}
    void Start() {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        Read();
      } else {
        stream.async_handshake(ssl::stream_base::server,
                               [self = this->shared_from_this()](beast::error_code ec) {
                                 if (!ec) self->Read();
                               });
      }
    }
    void Read() {
      http::async_read(stream, buffer, request,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (!ec) self->Respond();
                       });
    }
    void Respond() {
      {
        std::lock_guard lock(server.mutex_);
        server.last_ = request;
      }
      ++server.requests_;
      if (server.script_.hang) {
        server.hanging_.push_back(this->shared_from_this());
        return;
      }
      response.version(11);
      response.result(static_cast<unsigned>(server.script_.status));
      for (const auto& [name, value] : server.script_.headers) response.set(name, value);
      response.body() = server.script_.body;
      response.keep_alive(false);
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = this->shared_from_this()](beast::error_code, std::size_t) {
                          beast::get_lowest_layer(self->stream).close();
                        });
    }
    Server& server;
    Stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      if (tls_ != nullptr) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(*this, TlsStream(std::move(socket), *tls_))->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)))
            ->Start();
      }
      Accept();
    });
  }

  Script script_;
  ssl::context* tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  http::request<http::string_body> last_;
  std::vector<std::shared_ptr<void>> hanging_;
};

HttpRequest Get(const std::string& url) {
  auto parsed = ParseHttpUrl(url);
  REQUIRE(parsed.ok());
  HttpRequest r;
  r.url = *parsed;
  r.timeout = 5s;
  return r;
}

// A port nobody listens on: one that was just bound and closed again.
std::uint16_t ClosedPort() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// Runs `io` until `done` holds; the test's timeout bounds it.
void RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  while (!done()) {
    io.restart();
    io.run_one_for(10ms);
  }
}

ssl::context ServerTls(const testing::TestCertificate& cert) {
  ssl::context tls(ssl::context::tls_server);
  tls.use_certificate_chain_file(cert.cert.string());
  tls.use_private_key_file(cert.key.string(), ssl::context::pem);
  return tls;
}

TEST_CASE("http exchange returns the status and body and carries headers both ways", "[http]") {
  Server server(Script{201, "made", {{"X-Answer", "yes"}, {"Content-Type", "text/plain"}}});
  HttpRequest r = Get(server.Url("/things?secret=1"));
  r.method = "POST";
  r.body = R"({"a":1})";
  r.headers = {{"X-Token", "abc"}, {"Content-Type", "application/json"}};
  HttpResult out = ExchangeBlocking(r, nullptr);
  INFO(out.failure.Message());
  REQUIRE(out.ok());
  CHECK(out.answer->status == 201);
  CHECK(out.answer->reason == "Created");
  CHECK(out.answer->body == "made");
  CHECK_FALSE(out.answer->body_cut);
  CHECK(out.answer->Header("x-answer") == "yes");
  CHECK(out.answer->Header("Content-Type") == "text/plain");
  CHECK(out.answer->Header("Retry-After") == "");
  http::request<http::string_body> seen = server.last();
  CHECK(seen.method() == http::verb::post);
  CHECK(seen.target() == "/things?secret=1");
  CHECK(seen[http::field::host] == fmt::format("127.0.0.1:{}", server.port()));
  CHECK(seen["X-Token"] == "abc");
  CHECK(seen[http::field::content_type] == "application/json");
  CHECK(std::string(seen[http::field::user_agent]).starts_with("firedrill/"));
  CHECK(seen.body() == R"({"a":1})");
}

TEST_CASE("http exchange with an answer body over the limit fails or keeps only the status",
          "[http]") {
  Server server(Script{503, std::string(100, 'x'), {{"Retry-After", "7"}}});
  HttpRequest r = Get(server.Url("/big"));
  r.body_limit = 10;
  HttpResult failed = ExchangeBlocking(r, nullptr);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.failure.stage == HttpStage::kRead);
  CHECK_FALSE(failed.failure.timed_out);
  CHECK(
      failed.failure.Message() ==
      fmt::format("http://127.0.0.1:{}: body limit exceeded (reading the answer)", server.port()));

  r.keep_status_of_long_body = true;
  HttpResult kept = ExchangeBlocking(r, nullptr);
  REQUIRE(kept.ok());
  CHECK(kept.answer->status == 503);
  CHECK(kept.answer->body_cut);
  CHECK(kept.answer->body.empty());
  CHECK(kept.answer->Header("Retry-After") == "7");
}

TEST_CASE("http exchange to a closed port fails in the connect stage naming the origin only",
          "[http]") {
  std::uint16_t port = ClosedPort();
  HttpResult out =
      ExchangeBlocking(Get(fmt::format("http://127.0.0.1:{}/hook/secret-token", port)), nullptr);
  REQUIRE_FALSE(out.ok());
  CHECK(out.failure.stage == HttpStage::kConnect);
  CHECK_FALSE(out.failure.timed_out);
  CHECK_FALSE(out.failure.cancelled);
  CHECK(out.failure.error == boost::asio::error::connection_refused);
  CHECK(out.failure.Message() ==
        fmt::format("http://127.0.0.1:{}: Connection refused (connecting)", port));
}

TEST_CASE("http exchange with a server that never answers ends at the deadline", "[http]") {
  Script hang;
  hang.hang = true;
  Server server(hang);
  asio::io_context io;
  HttpRequest r = Get(server.Url("/slow"));
  r.timeout = 300ms;
  std::optional<HttpResult> out;
  Clock::time_point start = Clock::now();
  Clock::time_point ended;
  asio::co_spawn(io, Exchange(r, nullptr), [&](std::exception_ptr e, HttpResult result) {
    REQUIRE_FALSE(e);
    ended = Clock::now();
    out = std::move(result);
  });
  RunUntil(io, [&] { return out.has_value(); });
  REQUIRE_FALSE(out->ok());
  CHECK(out->failure.timed_out);
  CHECK(out->failure.stage == HttpStage::kRead);
  CHECK(out->failure.Message() ==
        fmt::format("http://127.0.0.1:{}: no answer within 300 ms (reading the answer)",
                    server.port()));
  CHECK(server.requests() == 1);
  CHECK(ended - start >= 300ms);
  CHECK(ended - start < 3s);
}

TEST_CASE("http exchange cancelled through the slot bound at co_spawn ends at once", "[http]") {
  Script hang;
  hang.hang = true;
  Server server(hang);
  asio::io_context io;
  HttpRequest r = Get(server.Url("/slow"));
  r.timeout = 60s;
  std::optional<HttpResult> out;
  asio::cancellation_signal cancel;
  asio::co_spawn(
      io, Exchange(r, nullptr),
      asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, HttpResult result) {
        REQUIRE_FALSE(e);
        out = std::move(result);
      }));
  RunUntil(io, [&] { return server.requests() == 1; });  // waiting for the answer now
  REQUIRE_FALSE(out.has_value());
  Clock::time_point start = Clock::now();
  cancel.emit(asio::cancellation_type::terminal);
  RunUntil(io, [&] { return out.has_value(); });
  CHECK(Clock::now() - start < 2s);
  REQUIRE_FALSE(out->ok());
  CHECK(out->failure.cancelled);
  CHECK_FALSE(out->failure.timed_out);
  CHECK(out->failure.stage == HttpStage::kRead);
  CHECK(out->failure.Message() ==
        fmt::format("http://127.0.0.1:{}: cancelled (reading the answer)", server.port()));
  // Nothing of the exchange waits on the loop: it runs out of work at once, not after 60 s.
  io.restart();
  Clock::time_point drained = Clock::now();
  io.run_for(5s);
  CHECK(Clock::now() - drained < 1s);
}

TEST_CASE("https exchange verifies the certificate and its host name", "[http]") {
  testing::TempDir dir;
  testing::TestCertificate cert =
      testing::MakeTestCertificate(dir.path(), "server", "IP:127.0.0.1,DNS:localhost");
  ssl::context server_tls = ServerTls(cert);
  Server server(Script{200, "secure"}, &server_tls);

  auto trusting = MakeHttpTls(cert.cert.string());
  REQUIRE(trusting.ok());
  HttpResult out = ExchangeBlocking(Get(server.Url("/x")), &*trusting);
  INFO(out.failure.Message());
  REQUIRE(out.ok());
  CHECK(out.answer->status == 200);
  CHECK(out.answer->body == "secure");
  HttpResult by_name = ExchangeBlocking(Get(server.Url("/x", "localhost")), &*trusting);
  INFO(by_name.failure.Message());
  CHECK(by_name.ok());

  // The system's store does not know the test's certificate.
  HttpResult untrusted = ExchangeBlocking(Get(server.Url("/x")), nullptr);
  REQUIRE_FALSE(untrusted.ok());
  CHECK(untrusted.failure.stage == HttpStage::kHandshake);
  CHECK_FALSE(untrusted.failure.certificate_problem.empty());
  CHECK_THAT(untrusted.failure.Message(), Catch::Contains("certificate verify failed") &&
                                              Catch::Contains("(doing the TLS handshake)"));

  // Trusted, but for other names.
  testing::TestCertificate other =
      testing::MakeTestCertificate(dir.path(), "other", "DNS:example.org");
  ssl::context other_tls = ServerTls(other);
  Server elsewhere(Script{200, "secure"}, &other_tls);
  auto trusting_other = MakeHttpTls(other.cert.string());
  REQUIRE(trusting_other.ok());
  HttpResult mismatch = ExchangeBlocking(Get(elsewhere.Url("/x")), &*trusting_other);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.failure.stage == HttpStage::kHandshake);
  CHECK(mismatch.failure.certificate_problem == "IP address mismatch");
}

TEST_CASE("http TLS settings name a trust file that cannot be read", "[http]") {
  auto tls = MakeHttpTls("/nonexistent/ca.pem");
  REQUIRE_FALSE(tls.ok());
  CHECK_THAT(tls.error().message, Catch::Contains("/nonexistent/ca.pem"));
}

TEST_CASE("http methods are the standard ones", "[http]") {
  CHECK(IsHttpMethod("GET"));
  CHECK(IsHttpMethod("POST"));
  CHECK(IsHttpMethod("PUT"));
  CHECK_FALSE(IsHttpMethod("FETCH"));
  CHECK_FALSE(IsHttpMethod(""));
}

}  // namespace
}  // namespace firedrill
