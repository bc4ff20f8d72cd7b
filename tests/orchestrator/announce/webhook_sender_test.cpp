#include "orchestrator/announce/webhook_sender.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// A real HTTP(S) receiver on 127.0.0.1, on the test's io_context.

// What the receiver answers to one request.
struct Answer {
  int status = 200;
  std::string retry_after;  // sent as Retry-After when not empty
  std::string body;
  bool hang = false;  // read the request, never answer
};

Answer Reply(int status, std::string retry_after = "", std::string body = "ok") {
  Answer a;
  a.status = status;
  a.retry_after = std::move(retry_after);
  a.body = std::move(body);
  return a;
}

Answer Hang() {
  Answer a;
  a.hang = true;
  return a;
}

// One request as the receiver saw it.
struct Seen {
  std::string method;
  std::string target;
  std::string host;
  std::string content_type;
  std::string body;
  std::string server_name;  // the SNI the client sent (https only)
  Clock::time_point at;
  std::string authorization{};
};

struct ReceiverState {
  explicit ReceiverState(asio::io_context& io_context) : io(io_context), acceptor(io_context) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  ssl::context* tls = nullptr;
  std::vector<Answer> script;  // request n gets script[n]; the last one repeats
  std::vector<Seen> seen;
  std::vector<std::shared_ptr<void>> hanging;  // sessions kept open without an answer
};

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<ReceiverState> state, Stream stream)
      : state_(std::move(state)), stream_(std::move(stream)) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Read();
    } else {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->Read();
                              });
    }
  }

 private:
  void Read() {
    http::async_read(stream_, buffer_, request_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (!ec) self->Respond();
                     });
  }

  void Respond() {
    Seen seen{std::string(request_.method_string()),
              std::string(request_.target()),
              std::string(request_[http::field::host]),
              std::string(request_[http::field::content_type]),
              request_.body(),
              "",
              Clock::now(),
              std::string(request_[http::field::authorization])};
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      const char* name = SSL_get_servername(stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
      if (name != nullptr) seen.server_name = name;
    }
    std::size_t n = state_->seen.size();
    state_->seen.push_back(std::move(seen));
    const Answer& a = state_->script.at(std::min(n, state_->script.size() - 1));
    if (a.hang) {
      state_->hanging.push_back(this->shared_from_this());
      return;
    }
    response_.version(11);
    response_.result(static_cast<unsigned>(a.status));
    if (!a.retry_after.empty()) response_.set(http::field::retry_after, a.retry_after);
    response_.body() = a.body;
    response_.keep_alive(false);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code, std::size_t) {
                        beast::get_lowest_layer(self->stream_).close();
                      });
  }

  std::shared_ptr<ReceiverState> state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

class Receiver {
 public:
  // Listens at once; `tls` (a server context, outliving the receiver) makes it an https one.
  Receiver(asio::io_context& io, std::vector<Answer> script, ssl::context* tls = nullptr)
      : state_(std::make_shared<ReceiverState>(io)) {
    state_->script = std::move(script);
    state_->tls = tls;
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    port_ = state_->acceptor.local_endpoint().port();
    Accept(state_);
  }
  ~Receiver() { Close(); }

  std::uint16_t port() const { return port_; }
  const std::vector<Seen>& seen() const { return state_->seen; }
  std::string Url(std::string_view path, std::string_view host = "127.0.0.1") const {
    return fmt::format("{}://{}:{}{}", state_->tls ? "https" : "http", host, port_, path);
  }

  void Close() {
    StopAccepting();
    state_->hanging.clear();
  }
  // Accepts no more connections; those waiting for an answer stay open.
  void StopAccepting() {
    beast::error_code ignored;
    state_->acceptor.close(ignored);
  }

 private:
  static void Accept(std::shared_ptr<ReceiverState> state) {
    state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      if (state->tls != nullptr) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(state, TlsStream(std::move(socket), *state->tls))
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(state, beast::tcp_stream(std::move(socket)))
            ->Start();
      }
      Accept(state);
    });
  }

  std::shared_ptr<ReceiverState> state_;
  std::uint16_t port_ = 0;
};

// A port nobody listens on: one that was just bound and closed again.
std::uint16_t ClosedPort(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  std::uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

// ---------------------------------------------------------------------------------------------
// A self-signed certificate for "localhost" and 127.0.0.1, made for the test run.

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

TestCert MakeTestCert(const char* subject_alt_names) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  REQUIRE(cert);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("firedrill test receiver"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subject_alt_names);
  REQUIRE(san != nullptr);
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);

  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1);
  REQUIRE(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1);
  return {BioText(cert_bio.get()), BioText(key_bio.get())};
}

// For the receiver's own names.
const TestCert& Cert() {
  static const TestCert cert = MakeTestCert("DNS:localhost,IP:127.0.0.1");
  return cert;
}

// For a host that is not the receiver.
const TestCert& OtherHostCert() {
  static const TestCert cert = MakeTestCert("DNS:chat.example.invalid");
  return cert;
}

ssl::context ServerTls(const TestCert& cert = Cert()) {
  ssl::context tls(ssl::context::tls_server);
  tls.use_certificate_chain(asio::buffer(cert.cert_pem));
  tls.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  return tls;
}

ssl::context ClientTlsTrusting(const TestCert& cert = Cert()) {
  ssl::context tls(ssl::context::tls_client);
  tls.add_certificate_authority(asio::buffer(cert.cert_pem));
  return tls;
}

// ---------------------------------------------------------------------------------------------

const std::string kBody = R"({"text":"[DRILL] checkout-db-blackhole — window opens now"})";

WebhookDelivery Post(std::string url, std::string body = kBody,
                     std::string content_type = "application/json") {
  WebhookDelivery d;
  d.url = std::move(url);
  d.body = std::move(body);
  d.content_type = std::move(content_type);
  return d;
}

// Small waits so that every test takes a fraction of a second.
DeliveryPolicy FastPolicy() {
  DeliveryPolicy p;
  p.max_attempts = 6;
  p.first_backoff = 20ms;
  p.max_backoff = 1000ms;
  p.attempt_timeout = 1000ms;
  return p;
}

// Records `done` calls.
struct Outcome {
  int calls = 0;
  std::optional<DeliveryResult> result;
  Clock::time_point at;

  WebhookSender::Done Callback() {
    return [this](const DeliveryResult& r) {
      ++calls;
      result = r;
      at = Clock::now();
    };
  }
};

// Runs `io` until `until` holds or `limit` passes.
template <typename Pred>
void RunUntil(asio::io_context& io, Pred until, milliseconds limit = 3000ms) {
  Clock::time_point end = Clock::now() + limit;
  while (!until() && Clock::now() < end) {
    io.run_one_for(std::chrono::duration_cast<Clock::duration>(end - Clock::now()));
  }
  io.restart();
}

// Sends and runs until `done` is called, then a little longer so that a second call would show.
Outcome Deliver(asio::io_context& io, WebhookSender& sender, WebhookDelivery delivery,
                DeliveryPolicy policy) {
  Outcome out;
  sender.Send(std::move(delivery), policy, out.Callback());
  CHECK(out.calls == 0);  // never from within Send
  RunUntil(io, [&] { return out.calls > 0; });
  REQUIRE(out.result.has_value());
  io.run_for(30ms);
  io.restart();
  CHECK(out.calls == 1);
  return out;
}

milliseconds Since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from);
}

TEST_CASE("webhook is delivered on the first attempt with its exact body and content type",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(200)});
  WebhookSender sender(io);
  Outcome out = Deliver(io, sender, Post(receiver.Url("/services/T0/B0/secret?x=1")), FastPolicy());
  CHECK(out.result->delivered);
  CHECK(out.result->attempts == 1);
  CHECK(out.result->last_status == 200);
  CHECK(out.result->last_error == "");
  REQUIRE(receiver.seen().size() == 1);
  const Seen& seen = receiver.seen()[0];
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/services/T0/B0/secret?x=1");
  CHECK(seen.host == fmt::format("127.0.0.1:{}", receiver.port()));
  CHECK(seen.content_type == "application/json");
  CHECK(seen.body == kBody);
  CHECK(sender.pending() == 0);
}

TEST_CASE("webhook is sent with the content type asked for", "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(204, "", "")});
  WebhookSender sender(io);
  Outcome out = Deliver(
      io, sender, Post(receiver.Url("/"), "plain text", "text/plain; charset=utf-8"), FastPolicy());
  CHECK(out.result->delivered);
  CHECK(out.result->last_status == 204);
  REQUIRE(receiver.seen().size() == 1);
  CHECK(receiver.seen()[0].content_type == "text/plain; charset=utf-8");
  CHECK(receiver.seen()[0].body == "plain text");
}

TEST_CASE("webhook answered 503 twice is retried with doubling backoff and then delivered",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(503), Reply(503), Reply(200)});
  WebhookSender sender(io);
  Clock::time_point start = Clock::now();
  Outcome out = Deliver(io, sender, Post(receiver.Url("/hook")), FastPolicy());
  CHECK(out.result->delivered);
  CHECK(out.result->attempts == 3);
  CHECK(out.result->last_status == 200);
  CHECK(out.result->last_error == "");
  REQUIRE(receiver.seen().size() == 3);
  for (const Seen& seen : receiver.seen()) CHECK(seen.body == kBody);
  CHECK(Since(receiver.seen()[0].at, receiver.seen()[1].at) >= 20ms);
  CHECK(Since(receiver.seen()[1].at, receiver.seen()[2].at) >= 40ms);
  CHECK(Since(start, out.at) >= 60ms);
  CHECK(Since(start, out.at) < 1000ms);
}

TEST_CASE("webhook answered 400 is not retried", "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(400, "", "invalid_payload\n"), Reply(200)});
  WebhookSender sender(io);
  Outcome out = Deliver(io, sender, Post(receiver.Url("/services/secret-token")), FastPolicy());
  io.run_for(60ms);  // longer than the first backoff: a retry would show
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 1);
  CHECK(out.result->last_status == 400);
  CHECK(out.result->last_error ==
        fmt::format("http://127.0.0.1:{} answered HTTP 400 Bad Request (not retried): "
                    "invalid_payload",
                    receiver.port()));
  CHECK(receiver.seen().size() == 1);
}

TEST_CASE("webhook to a closed port is retried until max_attempts, then fails",
          "[announce][webhook]") {
  asio::io_context io;
  std::uint16_t port = ClosedPort(io);
  WebhookSender sender(io);
  DeliveryPolicy policy = FastPolicy();
  policy.max_attempts = 3;
  policy.first_backoff = 10ms;
  Clock::time_point start = Clock::now();
  Outcome out =
      Deliver(io, sender, Post(fmt::format("http://127.0.0.1:{}/secret-token", port)), policy);
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 3);
  CHECK(out.result->last_status == 0);
  CHECK(out.result->last_error ==
        fmt::format("http://127.0.0.1:{}: Connection refused (connecting)", port));
  CHECK(Since(start, out.at) >= 30ms);  // 10 ms, then 20 ms
}

TEST_CASE("webhook receiver that never answers runs into the attempt timeout",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Hang()});
  WebhookSender sender(io);
  DeliveryPolicy policy = FastPolicy();
  policy.max_attempts = 2;
  policy.first_backoff = 10ms;
  policy.attempt_timeout = 150ms;
  Clock::time_point start = Clock::now();
  Outcome out = Deliver(io, sender, Post(receiver.Url("/hook")), policy);
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 2);
  CHECK(out.result->last_status == 0);
  CHECK(out.result->last_error ==
        fmt::format("http://127.0.0.1:{}: no answer within 150 ms (reading the answer)",
                    receiver.port()));
  CHECK(receiver.seen().size() == 2);
  CHECK(Since(start, out.at) >= 310ms);
  CHECK(Since(start, out.at) < 1000ms);
}

TEST_CASE("webhook answered 429 waits as long as Retry-After says, capped at max_backoff",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(429, "1", "slow down"), Reply(200)});
  WebhookSender sender(io);
  DeliveryPolicy policy = FastPolicy();
  policy.first_backoff = 10ms;
  policy.max_backoff = 250ms;
  Outcome out = Deliver(io, sender, Post(receiver.Url("/hook")), policy);
  CHECK(out.result->delivered);
  CHECK(out.result->attempts == 2);
  REQUIRE(receiver.seen().size() == 2);
  milliseconds gap = Since(receiver.seen()[0].at, receiver.seen()[1].at);
  CHECK(gap >= 250ms);  // Retry-After, not the 10 ms backoff...
  CHECK(gap < 1000ms);  // ...but no more than max_backoff
}

TEST_CASE("webhook with a bad URL fails at once without an attempt", "[announce][webhook]") {
  asio::io_context io;
  WebhookSender sender(io);
  Outcome out =
      Deliver(io, sender, Post("ftp://chat.example.com/services/secret-token"), FastPolicy());
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 0);
  CHECK(out.result->last_status == 0);
  CHECK(out.result->last_error ==
        "bad webhook URL \"ftp://chat.example.com/…\": it must start with http:// or https://");
}

TEST_CASE("webhook with a control character in its content type fails at once",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(200)});
  WebhookSender sender(io);
  Outcome out =
      Deliver(io, sender, Post(receiver.Url("/"), kBody, "application/json\r\nX-Injected: 1"),
              FastPolicy());
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 0);
  CHECK(out.result->last_error.find("control character") != std::string::npos);
  CHECK(receiver.seen().empty());
}

TEST_CASE("webhook carries the extra headers asked for", "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(200)});
  WebhookSender sender(io);
  WebhookDelivery d = Post(receiver.Url("/api/annotations"));
  d.headers = {{"Authorization", "Bearer glsa_secret"}};
  Outcome out = Deliver(io, sender, d, FastPolicy());
  CHECK(out.result->delivered);
  REQUIRE(receiver.seen().size() == 1);
  CHECK(receiver.seen()[0].authorization == "Bearer glsa_secret");
}

TEST_CASE("webhook with a control character or colon in a header fails at once",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(200)});
  WebhookSender sender(io);
  for (const auto& header : std::vector<std::pair<std::string, std::string>>{
           {"Authorization", "Bearer x\r\nX-Injected: 1"}, {"X-A: b", "c"}, {"", "v"}}) {
    WebhookDelivery d = Post(receiver.Url("/"));
    d.headers = {header};
    Outcome out = Deliver(io, sender, d, FastPolicy());
    CHECK_FALSE(out.result->delivered);
    CHECK(out.result->attempts == 0);
    CHECK(out.result->last_error.find("header") != std::string::npos);
  }
  CHECK(receiver.seen().empty());
}

TEST_CASE("webhook sender Stop during a backoff calls done with cancelled, and nothing after",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Reply(503)});
  WebhookSender sender(io);
  DeliveryPolicy policy = FastPolicy();
  policy.first_backoff = 5000ms;
  Outcome out;
  sender.Send(Post(receiver.Url("/hook")), policy, out.Callback());
  RunUntil(io, [&] { return receiver.seen().size() == 1; });
  io.run_for(50ms);  // the 503 is read; the delivery waits for its backoff
  io.restart();
  REQUIRE(out.calls == 0);
  REQUIRE(sender.pending() == 1);

  sender.Stop();
  CHECK(out.calls == 1);  // before Stop returns
  REQUIRE(out.result.has_value());
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 1);
  CHECK(out.result->last_status == 503);
  CHECK(out.result->last_error == "cancelled");
  CHECK(sender.pending() == 0);

  // The backoff timer is gone: once the receiver closes, the io_context runs out of work at once
  // instead of waiting out the 5 s.
  receiver.Close();
  Clock::time_point start = Clock::now();
  io.run_for(2000ms);
  CHECK(Since(start, Clock::now()) < 500ms);
  CHECK(out.calls == 1);
  CHECK(receiver.seen().size() == 1);

  Outcome later;
  sender.Send(Post(receiver.Url("/hook")), policy, later.Callback());
  io.restart();
  io.run_for(100ms);
  CHECK(later.calls == 1);
  REQUIRE(later.result.has_value());
  CHECK(later.result->last_error == "the webhook sender is stopped");
}

TEST_CASE("webhook sender Stop during an attempt closes its connection and calls done at once",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Hang()});
  WebhookSender sender(io);
  DeliveryPolicy policy = FastPolicy();
  policy.attempt_timeout = 60000ms;
  Outcome out;
  sender.Send(Post(receiver.Url("/hook")), policy, out.Callback());
  RunUntil(io, [&] { return receiver.seen().size() == 1; });  // waiting for the answer
  io.restart();
  REQUIRE(out.calls == 0);

  sender.Stop();
  CHECK(out.calls == 1);  // before Stop returns
  REQUIRE(out.result.has_value());
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 1);
  CHECK(out.result->last_status == 0);
  CHECK(out.result->last_error == "cancelled");
  CHECK(sender.pending() == 0);

  // The exchange under way is over: with the receiver accepting nothing more but still holding
  // the connection open, the io_context runs out of work at once instead of waiting out the
  // 60 s attempt timeout.
  receiver.StopAccepting();
  Clock::time_point start = Clock::now();
  io.run_for(2000ms);
  CHECK(Since(start, Clock::now()) < 500ms);
  CHECK(out.calls == 1);
  CHECK(receiver.seen().size() == 1);
}

TEST_CASE("webhook sender destroyed mid-delivery drops done without calling it",
          "[announce][webhook]") {
  asio::io_context io;
  Receiver receiver(io, {Hang()});
  auto token = std::make_shared<int>(0);
  int calls = 0;
  {
    WebhookSender sender(io);
    sender.Send(Post(receiver.Url("/hook")), FastPolicy(),
                [&calls, token](const DeliveryResult&) { ++calls; });
    RunUntil(io, [&] { return receiver.seen().size() == 1; });  // waiting for the answer
    CHECK(token.use_count() == 2);
  }
  CHECK(token.use_count() == 1);  // the callback is destroyed with the sender
  receiver.Close();
  Clock::time_point start = Clock::now();
  io.run_for(2000ms);
  CHECK(Since(start, Clock::now()) < 500ms);
  CHECK(calls == 0);
}

TEST_CASE("webhook over https verifies the receiver's certificate and sends SNI",
          "[announce][webhook]") {
  asio::io_context io;
  ssl::context server_tls = ServerTls();
  Receiver receiver(io, {Reply(200)}, &server_tls);
  WebhookSender sender(io, ClientTlsTrusting());

  Outcome by_name = Deliver(io, sender, Post(receiver.Url("/hook", "localhost")), FastPolicy());
  CHECK(by_name.result->delivered);
  CHECK(by_name.result->last_error == "");
  REQUIRE(receiver.seen().size() == 1);
  CHECK(receiver.seen()[0].body == kBody);
  CHECK(receiver.seen()[0].server_name == "localhost");

  Outcome by_ip = Deliver(io, sender, Post(receiver.Url("/hook")), FastPolicy());
  CHECK(by_ip.result->delivered);
  REQUIRE(receiver.seen().size() == 2);
  CHECK(receiver.seen()[1].server_name == "");  // no SNI for an IP address
}

TEST_CASE("webhook over https to an untrusted certificate fails", "[announce][webhook]") {
  asio::io_context io;
  ssl::context server_tls = ServerTls();
  Receiver receiver(io, {Reply(200)}, &server_tls);
  WebhookSender sender(io);  // the system CA store: the test certificate is not in it
  DeliveryPolicy policy = FastPolicy();
  policy.max_attempts = 1;
  Outcome out = Deliver(io, sender, Post(receiver.Url("/hook")), policy);
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->attempts == 1);
  CHECK(out.result->last_error.find("certificate verify failed") != std::string::npos);
  CHECK(out.result->last_error.find("(doing the TLS handshake)") != std::string::npos);
  CHECK(receiver.seen().empty());
}

TEST_CASE("webhook over https to a certificate for another host fails", "[announce][webhook]") {
  asio::io_context io;
  ssl::context server_tls = ServerTls(OtherHostCert());
  Receiver receiver(io, {Reply(200)}, &server_tls);
  WebhookSender sender(io, ClientTlsTrusting(OtherHostCert()));  // trusted, but not for us
  DeliveryPolicy policy = FastPolicy();
  policy.max_attempts = 1;
  Outcome out = Deliver(io, sender, Post(receiver.Url("/hook")), policy);
  CHECK_FALSE(out.result->delivered);
  CHECK(out.result->last_status == 0);
  CHECK(out.result->last_error.find("certificate verify failed") != std::string::npos);
  CHECK(receiver.seen().empty());
}

TEST_CASE("retryable statuses are 429 and 5xx", "[announce][webhook]") {
  CHECK(IsRetryableStatus(429));
  CHECK(IsRetryableStatus(500));
  CHECK(IsRetryableStatus(503));
  CHECK(IsRetryableStatus(599));
  CHECK_FALSE(IsRetryableStatus(400));
  CHECK_FALSE(IsRetryableStatus(404));
  CHECK_FALSE(IsRetryableStatus(301));
  CHECK_FALSE(IsRetryableStatus(200));
}

TEST_CASE("Retry-After is read as seconds only", "[announce][webhook]") {
  CHECK(ParseRetryAfter("120") == std::chrono::seconds{120});
  CHECK(ParseRetryAfter(" 7 ") == std::chrono::seconds{7});
  CHECK(ParseRetryAfter("0") == std::chrono::seconds{0});
  CHECK(ParseRetryAfter("99999999999999999999") == std::chrono::seconds{999'999'999});
  CHECK(ParseRetryAfter("") == std::nullopt);
  CHECK(ParseRetryAfter("-1") == std::nullopt);
  CHECK(ParseRetryAfter("1.5") == std::nullopt);
  CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == std::nullopt);
}

TEST_CASE("retry delay doubles from the first backoff up to the cap", "[announce][webhook]") {
  DeliveryPolicy p;
  p.first_backoff = 1000ms;
  p.max_backoff = 60000ms;
  CHECK(RetryDelay(p, 1, std::nullopt) == 1000ms);
  CHECK(RetryDelay(p, 2, std::nullopt) == 2000ms);
  CHECK(RetryDelay(p, 3, std::nullopt) == 4000ms);
  CHECK(RetryDelay(p, 6, std::nullopt) == 32000ms);
  CHECK(RetryDelay(p, 7, std::nullopt) == 60000ms);
  CHECK(RetryDelay(p, 1000, std::nullopt) == 60000ms);
  CHECK(RetryDelay(p, 1, std::chrono::seconds{5}) == 5000ms);
  CHECK(RetryDelay(p, 1, std::chrono::seconds{600}) == 60000ms);
  CHECK(RetryDelay(p, 4, std::chrono::seconds{0}) == 0ms);
  p.max_backoff = milliseconds::max();
  CHECK(RetryDelay(p, 1000, std::nullopt) == milliseconds::max());
  p.first_backoff = -5ms;
  CHECK(RetryDelay(p, 3, std::nullopt) == 0ms);
}

}  // namespace
}  // namespace firedrill
