// The control API over TLS: a real server and client on loopback with certificates made here.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "orchestrator/control/control_client.h"
#include "orchestrator/control/control_server.h"
#include "orchestrator/control/tls_context.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificate.h"

using namespace firedrill;
using firedrill::testing::MakeTestCertificate;
using firedrill::testing::TempDir;
using firedrill::testing::TestCertificate;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Answers every request with who asked and what; counts calls (read after the server stopped).
class EchoHandler : public ControlHandler {
 public:
  ControlResponse Handle(const ControlRequest& r) override {
    ++calls;
    return {200, json::serialize(json::object{{"path", r.path}, {"role", r.role}})};
  }
  int calls = 0;
};

// A server on its own thread, listening where `address` says, with TLS from `cert` if given.
struct TlsServer {
  TlsServer(const std::string& address, const TestCertificate* cert) {
    ControlAccess access;
    access.address = address;
    if (cert != nullptr) {
      auto ctx = MakeServerTlsContext(cert->cert, cert->key);
      INFO((ctx.ok() ? "" : ctx.error().message));
      REQUIRE(ctx.ok());
      access.tls = *ctx;
      access.tls_cert_file = cert->cert.string();
    }
    server = std::make_unique<ControlServer>(io, dir.path() / "state", handler, ControlLimits{},
                                             kControlRoutes, access);
    started = server->Start();
    if (started.ok()) thread = std::thread([this] { io.run(); });
  }
  ~TlsServer() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { server->Stop(); });
    thread.join();
  }

  TempDir dir;
  asio::io_context io;
  EchoHandler handler;
  std::unique_ptr<ControlServer> server;
  Status started = Status::Ok();
  std::thread thread;
};

std::string Message(const Expected<ControlResponse>& r) {
  return r.ok() ? r->body : r.error().message;
}

}  // namespace

TEST_CASE("over TLS, a client trusting the server's certificate is answered, plain HTTP is not",
          "[control][tls]") {
  TempDir certs;
  TestCertificate cert = MakeTestCertificate(certs.path(), "api", "IP:127.0.0.1,DNS:localhost");
  TlsServer s("127.0.0.1", &cert);
  REQUIRE(s.started.ok());
  // control.json says TLS and names the certificate: commands on this host pin it.
  auto endpoint = FindControlEndpoint(s.dir.path() / "state");
  REQUIRE(endpoint.ok());
  CHECK(endpoint->tls);
  CHECK(endpoint->ca_file == cert.cert.string());
  CHECK(endpoint->host == "127.0.0.1");
  auto r = SendControl(*endpoint, "GET", "/v1/drills", "", 5s);
  INFO(Message(r));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(json::parse(r->body).at("role").as_string() == "lead");
  // The same request in clear text gets no HTTP answer at all.
  ControlEndpoint plain = *endpoint;
  plain.tls = false;
  auto refused = SendControl(plain, "GET", "/v1/drills", "", 5s);
  CHECK_FALSE(refused.ok());
  // By name, checked against the certificate's names, trusting it as a CA file.
  ControlEndpoint by_name = *endpoint;
  by_name.host = "localhost";
  by_name.check_host = true;
  auto named = SendControl(by_name, "GET", "/v1/drills", "", 5s);
  INFO(Message(named));
  CHECK((named.ok() && named->status == 200));
}

TEST_CASE("a client refuses a certificate it does not trust or that names another host",
          "[control][tls]") {
  TempDir certs;
  TestCertificate cert = MakeTestCertificate(certs.path(), "api", "IP:127.0.0.1");
  TestCertificate stranger = MakeTestCertificate(certs.path(), "stranger", "IP:127.0.0.1");
  TlsServer s("0.0.0.0", &cert);
  REQUIRE(s.started.ok());
  auto found = FindControlEndpoint(s.dir.path() / "state");
  REQUIRE(found.ok());
  ControlEndpoint e = *found;
  e.check_host = true;

  e.ca_file = stranger.cert.string();
  auto r = SendControl(e, "GET", "/v1/drills", "", 5s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains("not trusted") && Catch::Contains(stranger.cert.string()));

  e.ca_file = "";  // the system's trust store knows nothing of a self-signed certificate
  r = SendControl(e, "GET", "/v1/drills", "", 5s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains("not trusted") && Catch::Contains("FIREDRILL_CA_FILE"));

  // The right certificate, reached at an address it does not name.
  e.ca_file = cert.cert.string();
  e.host = "127.0.0.2";
  r = SendControl(e, "GET", "/v1/drills", "", 5s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("not trusted") && Catch::Contains("mismatch"));
  e.host = "127.0.0.1";
  r = SendControl(e, "GET", "/v1/drills", "", 5s);
  INFO(Message(r));
  CHECK((r.ok() && r->status == 200));
}

TEST_CASE("the server listens off loopback only with TLS", "[control][tls]") {
  TlsServer bare("0.0.0.0", nullptr);
  REQUIRE_FALSE(bare.started.ok());
  CHECK_THAT(bare.started.error().message,
             Catch::Contains("without TLS") && Catch::Contains("--tls-cert"));
  CHECK_FALSE(std::filesystem::exists(bare.dir.path() / "state" / kControlFileName));

  TempDir certs;
  TestCertificate cert = MakeTestCertificate(certs.path(), "api", "IP:127.0.0.1");
  TlsServer tls("0.0.0.0", &cert);
  INFO((tls.started.ok() ? "" : tls.started.error().message));
  REQUIRE(tls.started.ok());
  auto e = FindControlEndpoint(tls.dir.path() / "state");
  REQUIRE(e.ok());
  CHECK(e->host == "127.0.0.1");  // listening on every address: connect on loopback
  auto r = SendControl(*e, "GET", "/v1/drills", "", 5s);
  INFO(Message(r));
  CHECK((r.ok() && r->status == 200));
}

TEST_CASE("an unusable certificate or key is refused with the file named", "[control][tls]") {
  TempDir dir;
  TestCertificate a = MakeTestCertificate(dir.path(), "a", "DNS:a.example");
  TestCertificate b = MakeTestCertificate(dir.path(), "b", "DNS:b.example");
  auto missing = MakeServerTlsContext(dir.path() / "nope.crt", a.key);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("nope.crt"));
  std::ofstream(dir.path() / "garbage.crt") << "not a certificate\n";
  auto garbage = MakeServerTlsContext(dir.path() / "garbage.crt", a.key);
  REQUIRE_FALSE(garbage.ok());
  CHECK_THAT(garbage.error().message, Catch::Contains("garbage.crt"));
  auto mismatched = MakeServerTlsContext(a.cert, b.key);
  REQUIRE_FALSE(mismatched.ok());
  CHECK_THAT(mismatched.error().message,
             Catch::Contains("does not belong") && Catch::Contains(b.key.string()));
  CHECK(MakeServerTlsContext(a.cert, a.key).ok());
  auto no_ca = MakeClientTlsContext({(dir.path() / "nope.pem").string(), ""});
  REQUIRE_FALSE(no_ca.ok());
  CHECK_THAT(no_ca.error().message, Catch::Contains("nope.pem"));
}

TEST_CASE("FIREDRILL_API: clear text on this host only, https anywhere", "[control][tls]") {
  auto plain = ParseApiAddress("127.0.0.1:8470", "");
  REQUIRE(plain.ok());
  CHECK((plain->host == "127.0.0.1" && plain->port == 8470 && !plain->tls));
  auto bare_port = ParseApiAddress("8470", "");
  REQUIRE(bare_port.ok());
  CHECK((bare_port->host == "127.0.0.1" && bare_port->port == 8470));
  CHECK(ParseApiAddress("localhost:8470", "").ok());
  CHECK(ParseApiAddress("[::1]:8470", "").ok());
  auto https = ParseApiAddress("https://drills.example.com:8443/", "/etc/ca.pem");
  REQUIRE(https.ok());
  CHECK((https->tls && https->host == "drills.example.com" && https->port == 8443));
  CHECK((https->ca_file == "/etc/ca.pem" && https->check_host));
  auto v6 = ParseApiAddress("https://[2001:db8::1]:8443", "");
  REQUIRE(v6.ok());
  CHECK(v6->host == "2001:db8::1");

  auto clear_remote = ParseApiAddress("10.0.0.7:8470", "");
  REQUIRE_FALSE(clear_remote.ok());
  CHECK_THAT(clear_remote.error().message,
             Catch::Contains("10.0.0.7:8470") && Catch::Contains("clear text"));
  CHECK_FALSE(ParseApiAddress("https://drills.example.com", "").ok());
  CHECK_FALSE(ParseApiAddress("127.0.0.1:99999", "").ok());
  CHECK_FALSE(ParseApiAddress("https://[::1:8443", "").ok());
  CHECK_FALSE(ParseApiAddress(":8470", "").ok());
}
