// HTTP probes against a real listener: the URL's host, port and path reach the server as
// written, for an IPv4 address and for an IPv6 one in brackets.
#include "orchestrator/engine/probe_check.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace firedrill {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Answers one request on `address` (a free port) with 200 "ok", remembering its first line and
// Host header.
struct OneAnswer {
  explicit OneAnswer(const char* address)
      : acceptor(io, tcp::endpoint(asio::ip::make_address(address), 0)) {
    port = acceptor.local_endpoint().port();
    thread = std::thread([this] {
      tcp::socket s(io);
      boost::system::error_code ec;
      acceptor.accept(s, ec);
      if (ec) return;
      std::string in;
      asio::read_until(s, asio::dynamic_buffer(in), "\r\n\r\n", ec);
      if (ec) return;  // our own knock (the probe never came): nothing to answer
      head = in;
      std::string out = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      asio::write(s, asio::buffer(out), ec);
    });
  }
  // Unblocks the accept when the probe never came (a connection of our own), then joins.
  ~OneAnswer() {
    asio::io_context other;
    tcp::socket knock(other);
    boost::system::error_code ec;
    knock.connect(acceptor.local_endpoint(ec), ec);
    thread.join();
  }
  asio::io_context io;
  tcp::acceptor acceptor;
  unsigned short port = 0;
  std::string head;
  std::thread thread;
};

ProbeOutcome Check(const std::string& url) {
  Probe p;
  p.name = "health";
  p.kind = ProbeKind::kHttp;
  p.url = url;
  p.expect_body = "ok";
  asio::io_context io;
  auto f = asio::co_spawn(io, CheckProbe(p, nullptr), asio::use_future);
  io.run();
  return f.get();
}

bool HaveIpv6Loopback() {
  asio::io_context io;
  boost::system::error_code ec;
  tcp::acceptor a(io);
  a.open(tcp::v6(), ec);
  if (!ec) a.bind(tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
  return !ec;
}

}  // namespace

TEST_CASE("an HTTP probe reaches an IPv4 address with its port and path", "[probe]") {
  OneAnswer server("127.0.0.1");
  ProbeOutcome r = Check("http://127.0.0.1:" + std::to_string(server.port) + "/health?x=1");
  INFO(r.detail);
  CHECK(r.green);
  CHECK(r.detail == "HTTP 200");
  CHECK_THAT(server.head, Catch::StartsWith("GET /health?x=1 HTTP/1.1\r\n"));
}

TEST_CASE("an HTTP probe reaches an IPv6 address written in brackets", "[probe]") {
  if (!HaveIpv6Loopback()) {
    std::cout << "SKIP: no IPv6 loopback (::1) on this machine\n";
    return;
  }
  OneAnswer server("::1");
  ProbeOutcome r = Check("http://[::1]:" + std::to_string(server.port) + "/health");
  INFO(r.detail);
  CHECK(r.green);
  CHECK_THAT(server.head, Catch::StartsWith("GET /health HTTP/1.1\r\n"));
  CHECK_THAT(server.head, Catch::Contains("Host: [::1]:" + std::to_string(server.port)));
}

TEST_CASE("an HTTP probe with a malformed URL is red and says why", "[probe]") {
  CHECK_FALSE(Check("http://[::1/health").green);
  CHECK_THAT(Check("ftp://example.com/").detail, Catch::Contains("http://"));
}

}  // namespace firedrill
