// The control server under abuse, in process: restarts on a port with connections in TIME-WAIT,
// slow clients, bodies over the limit. Every client here is a plain blocking socket, sending
// exactly what the test says.
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "orchestrator/control/control_client.h"
#include "orchestrator/control/control_server.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Answers every request 200 with an empty object.
class OkHandler : public ControlHandler {
 public:
  ControlResponse Handle(const ControlRequest&) override { return {200, "{}"}; }
};

// A server on its own io_context thread; Start's outcome is kept for the test to look at.
struct Served {
  explicit Served(ControlLimits limits = {}, ControlAccess access = {},
                  std::optional<std::filesystem::path> state = std::nullopt)
      : dir_path(state ? *state : dir.path()),
        server(io, dir_path, handler, limits, kControlRoutes, std::move(access)),
        started(server.Start()) {
    thread = std::thread([this] { io.run(); });
  }
  ~Served() {
    asio::post(io, [this] { server.Stop(); });
    thread.join();
  }

  TempDir dir;
  std::filesystem::path dir_path;
  asio::io_context io;
  OkHandler handler;
  ControlServer server;
  Status started;
  std::thread thread;
};

}  // namespace

TEST_CASE("a server restarted on its port listens at once, with connections in TIME-WAIT",
          "[control]") {
  TempDir state;
  std::uint16_t port = 0;
  {
    Served first({}, {}, state.path());
    REQUIRE(first.started.ok());
    port = first.server.port();
    // The server closes each of these first (Connection: close): TIME-WAIT on its side.
    for (int i = 0; i < 3; ++i) {
      auto r = SendControl(state.path(), "GET", "/v1/drills", "", 5s);
      REQUIRE(r.ok());
      CHECK(r->status == 200);
    }
  }
  ControlAccess same;
  same.port = port;
  Served second({}, same, state.path());
  INFO((second.started.ok() ? "" : second.started.error().message));
  CHECK(second.started.ok());
  CHECK(second.server.port() == port);
}

namespace {

// A connection from `source` (loopback takes any 127.x.y.z) that sends the start of a request
// head and then nothing: a slow client.
struct SlowClient {
  SlowClient(asio::io_context& io, const std::string& source, std::uint16_t port) : socket(io) {
    socket.open(tcp::v4());
    socket.bind({asio::ip::make_address_v4(source), 0});
    socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
    asio::write(socket,
                asio::buffer(std::string_view("GET /v1/drills HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
  }
  tcp::socket socket;
};

}  // namespace

TEST_CASE("slow clients holding every connection do not lock out a caller with a token",
          "[control]") {
  Served s;
  REQUIRE(s.started.ok());
  asio::io_context io;
  std::vector<std::unique_ptr<SlowClient>> slow;
  for (int i = 0; i < 64; ++i) {
    slow.push_back(
        std::make_unique<SlowClient>(io, "127.0.0." + std::to_string(2 + i), s.server.port()));
  }
  auto started = std::chrono::steady_clock::now();
  auto r = SendControl(s.dir_path, "GET", "/v1/drills", "", 5s);
  auto took = std::chrono::steady_clock::now() - started;
  INFO((r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(took < 1s);
}

namespace {

// Whether the server closed `socket` (end of stream or reset) within `limit`.
bool ClosedWithin(tcp::socket& socket, std::chrono::milliseconds limit) {
  pollfd p{socket.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// The server's counters, read on its own thread.
ControlStats StatsOf(Served& s) {
  std::promise<ControlStats> stats;
  asio::post(s.io, [&] { stats.set_value(s.server.stats()); });
  return stats.get_future().get();
}

// One keep-alive request with the server's token over `socket`; the status.
int Get(tcp::socket& socket, const std::string& token) {
  http::request<http::string_body> req{http::verb::get, "/v1/drills", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, "Bearer " + token);
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return static_cast<int>(res.result_int());
}

}  // namespace

TEST_CASE("one client address holds at most 8 unproven connections, other clients keep theirs",
          "[control]") {
  ControlLimits limits;
  limits.header_timeout = std::chrono::minutes(10);  // only displacement closes anything here
  limits.unproven_grace = 0ms;                       // the limit per client applies at once
  Served s(limits);
  REQUIRE(s.started.ok());
  asio::io_context io;
  SlowClient other(io, "127.0.0.3", s.server.port());
  std::vector<std::unique_ptr<SlowClient>> same;
  for (int i = 0; i < 20; ++i) {
    same.push_back(std::make_unique<SlowClient>(io, "127.0.0.2", s.server.port()));
  }
  // Answered after the server took in every connection above (it accepts in order).
  auto r = SendControl(s.dir_path, "GET", "/v1/drills", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  for (int i = 0; i < 12; ++i) {
    INFO(i);
    CHECK(ClosedWithin(same[i]->socket, 5s));
  }
  for (int i = 12; i < 20; ++i) {
    INFO(i);
    CHECK_FALSE(ClosedWithin(same[i]->socket, 0ms));
  }
  CHECK_FALSE(ClosedWithin(other.socket, 0ms));
  ControlStats stats = StatsOf(s);
  CHECK(stats.connections_displaced == 12);
  CHECK(stats.connections_refused == 0);
}

TEST_CASE("a head that does not arrive in time closes the connection, a proven one may idle",
          "[control]") {
  ControlLimits limits;
  limits.header_timeout = 300ms;
  Served s(limits);
  REQUIRE(s.started.ok());
  asio::io_context io;
  tcp::socket idle(io);
  idle.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  CHECK(Get(idle, s.server.token()) == 200);  // proven: may wait io_timeout for its next request
  SlowClient slow(io, "127.0.0.2", s.server.port());
  CHECK(ClosedWithin(slow.socket, 5s));
  CHECK_FALSE(ClosedWithin(idle, 600ms));
  CHECK(Get(idle, s.server.token()) == 200);
  ControlStats stats = StatsOf(s);
  CHECK(stats.header_timeouts == 1);
  CHECK(stats.connections_accepted == 2);
  CHECK(stats.connections_open == 1);
}

TEST_CASE("over the limit a new connection displaces the oldest unproven one, never a proven one",
          "[control]") {
  ControlLimits limits;
  limits.max_connections = 3;
  limits.kept_for_proven = 1;  // two for unproven connections
  limits.header_timeout = std::chrono::minutes(10);
  Served s(limits);
  REQUIRE(s.started.ok());
  asio::io_context io;
  tcp::socket proven(io);
  proven.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  CHECK(Get(proven, s.server.token()) == 200);
  SlowClient a(io, "127.0.0.2", s.server.port());
  SlowClient b(io, "127.0.0.3", s.server.port());
  SlowClient c(io, "127.0.0.4", s.server.port());
  CHECK(ClosedWithin(a.socket, 5s));
  CHECK_FALSE(ClosedWithin(b.socket, 0ms));
  CHECK(Get(proven, s.server.token()) == 200);
  // A caller with a token gets in (displacing b) and, proven, stays.
  tcp::socket second(io);
  second.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  CHECK(Get(second, s.server.token()) == 200);
  CHECK(ClosedWithin(b.socket, 5s));
  tcp::socket third(io);
  third.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  CHECK(Get(third, s.server.token()) == 200);  // displaced c
  CHECK(ClosedWithin(c.socket, 5s));
  // Every connection proven: a new one is closed at once, and the proven ones still serve.
  tcp::socket refused(io);
  refused.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  CHECK(ClosedWithin(refused, 5s));
  CHECK(Get(proven, s.server.token()) == 200);
  ControlStats stats = StatsOf(s);
  CHECK(stats.connections_displaced == 3);
  CHECK(stats.connections_refused == 1);
  CHECK(stats.connections_open == 3);
}

namespace {

// Sends `head` and then `body` whole before reading anything, as simple clients do (Python's
// http.client, a shell script with nc); returns the status, or 0 with `error` set.
int SendWhole(std::uint16_t port, const std::string& head, const std::string& body,
              std::string* error) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(head), ec);
  if (!ec) asio::write(socket, asio::buffer(body), ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(socket, buffer, res, ec);
  if (ec) {
    *error = ec.message();
    return 0;
  }
  return static_cast<int>(res.result_int());
}

std::string Head(const std::string& token, const std::string& framing) {
  return "POST /v1/drills/x/ack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\n" + framing + "\r\n";
}

}  // namespace

TEST_CASE("a body over the limit sent whole before the answer is read gets 413, not a reset",
          "[control]") {
  Served s;
  REQUIRE(s.started.ok());
  const std::string five_mb(5 * 1000 * 1000, 'x');
  std::string error;
  CHECK(SendWhole(
            s.server.port(),
            Head(s.server.token(), "Content-Length: " + std::to_string(five_mb.size()) + "\r\n"),
            five_mb, &error) == 413);
  INFO(error);
  // Chunked: the size shows only while the body is read.
  std::string chunked = fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", five_mb.size(), five_mb);
  CHECK(SendWhole(s.server.port(), Head(s.server.token(), "Transfer-Encoding: chunked\r\n"),
                  chunked, &error) == 413);
  // A wrong token with a large body: its 401 arrives too.
  CHECK(SendWhole(s.server.port(),
                  Head("wrong", "Content-Length: " + std::to_string(five_mb.size()) + "\r\n"),
                  five_mb, &error) == 401);
  ControlStats stats = StatsOf(s);
  CHECK(stats.responses[413] == 2);
  CHECK(stats.responses[401] == 1);
}

TEST_CASE("with Expect: 100-continue a body over the limit is refused before it is sent",
          "[control]") {
  Served s;
  REQUIRE(s.started.ok());
  asio::io_context io;
  auto head = [&](std::size_t length) {
    return Head(s.server.token(),
                "Content-Length: " + std::to_string(length) + "\r\nExpect: 100-continue\r\n");
  };
  auto status_line = [](tcp::socket& socket) {
    asio::streambuf in;
    asio::read_until(socket, in, "\r\n\r\n");
    std::string text(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
    return text.substr(0, text.find("\r\n"));
  };
  tcp::socket over(io);
  over.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  asio::write(over, asio::buffer(head(5 * 1000 * 1000)));
  CHECK(status_line(over) == "HTTP/1.1 413 Payload Too Large");
  // Within the limit the server says to go on, then answers.
  tcp::socket within(io);
  within.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  const std::string body = R"({"what":"detected"})";
  asio::write(within, asio::buffer(head(body.size())));
  CHECK(status_line(within) == "HTTP/1.1 100 Continue");
  asio::write(within, asio::buffer(body));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(within, buffer, res);
  CHECK(res.result_int() == 200);
}

TEST_CASE("the bearer scheme is case-insensitive (RFC 7235) for both kinds of token", "[control]") {
  ControlAccess access;
  access.token_role = [](std::string_view token) -> std::optional<std::string> {
    if (token == "fdt_api-token") return "auditor";
    return std::nullopt;
  };
  Served s({}, access);
  REQUIRE(s.started.ok());
  asio::io_context io;
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    INFO(scheme);
    for (const std::string& token : {s.server.token(), std::string("fdt_api-token")}) {
      tcp::socket socket(io);
      socket.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
      http::request<http::string_body> req{http::verb::get, "/v1/drills", 11};
      req.set(http::field::authorization, scheme + token);
      http::write(socket, req);
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(socket, buffer, res);
      CHECK(res.result_int() == 200);
    }
  }
  CHECK(StatsOf(s).responses[200] == 8);
}
