// Streamed answers (server-sent events) through a real control server: the head and the first
// text at once, each push as it comes, the end when the feed closes, and Stop ending a stream
// that waits; plus the extra headers and the open routes that do not prove their caller.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "orchestrator/control/control_server.h"
#include "orchestrator/control/response_feed.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr ControlRoute kRoutes[] = {{"GET", "/page/stream"}, {"GET", "/page/plain"}};

// Answers /page/stream with a feed the test pushes into (on the server's thread), and
// /page/plain with a page and extra headers.
class StreamHandler : public ControlHandler {
 public:
  ControlResponse Handle(const ControlRequest& r) override {
    if (r.route == "/page/plain") {
      ControlResponse page(200, "<p>hi</p>", "text/html");
      page.headers.emplace_back("X-Frame-Options", "DENY");
      page.proves_caller = false;
      return page;
    }
    ControlResponse s(200, "retry: 1000\n\n", "text/event-stream");
    feed = std::make_shared<ResponseFeed>();
    s.feed = feed;
    opened.set_value();
    return s;
  }
  std::shared_ptr<ResponseFeed> feed;
  std::promise<void> opened;
};

struct Server {
  Server() : server(io, dir.path(), handler, ControlLimits{}, kRoutes, Access()) {
    REQUIRE(server.Start().ok());
    thread = std::thread([this] { io.run(); });
  }
  ~Server() {
    asio::post(io, [this] { server.Stop(); });
    thread.join();
  }
  static ControlAccess Access() {
    ControlAccess a;
    a.open_prefixes = {"/page/"};
    return a;
  }
  // Runs `f` on the server's thread and waits for it.
  void OnLoop(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  TempDir dir;
  asio::io_context io;
  StreamHandler handler;
  ControlServer server;
  std::thread thread;
};

// A blocking client: sends a GET and reads up to (and including) `until`.
struct Client {
  explicit Client(std::uint16_t port) : socket(io) {
    socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  }
  void Get(const std::string& target) {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(socket, asio::buffer(req));
  }
  std::string ReadUntil(const std::string& until) {
    std::size_t n = asio::read_until(socket, asio::dynamic_buffer(buffer), until);
    std::string out = buffer.substr(0, n);
    buffer.erase(0, n);
    return out;
  }
  // Reads to the end of the connection.
  std::string ReadToEnd() {
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(buffer), ec);
    return std::exchange(buffer, {});
  }
  asio::io_context io;
  tcp::socket socket;
  std::string buffer;
};

}  // namespace

TEST_CASE("a streamed answer sends each push as it comes and ends when its feed closes",
          "[control][stream]") {
  Server s;
  Client c(s.server.port());
  c.Get("/page/stream");
  std::string head = c.ReadUntil("\r\n\r\n");
  CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(head, Catch::Contains("Content-Type: text/event-stream"));
  CHECK_THAT(head, Catch::Contains("Connection: close"));
  CHECK_THAT(head, !Catch::Contains("Content-Length"));
  CHECK(c.ReadUntil("\n\n") == "retry: 1000\n\n");
  s.handler.opened.get_future().wait();
  s.OnLoop([&] { s.handler.feed->Push(ServerSentEvent("live", "1", "<p>a\nb</p>")); });
  CHECK(c.ReadUntil("\n\n") == "event: live\nid: 1\ndata: <p>a\ndata: b</p>\n\n");
  s.OnLoop([&] { CHECK(s.handler.feed->open()); });
  s.OnLoop([&] {
    s.handler.feed->Push(ServerSentEvent("end", "2", "done"));
    s.handler.feed->Close();
  });
  CHECK(c.ReadToEnd() == "event: end\nid: 2\ndata: done\n\n");
  s.OnLoop([&] { CHECK_FALSE(s.handler.feed->open()); });
}

TEST_CASE("stopping the server ends a stream that waits for its next push", "[control][stream]") {
  auto s = std::make_unique<Server>();
  Client c(s->server.port());
  c.Get("/page/stream");
  c.ReadUntil("retry: 1000\n\n");
  s->handler.opened.get_future().wait();
  std::shared_ptr<ResponseFeed> feed = s->handler.feed;
  s.reset();  // Stop, then the io_context thread must finish: the stream may not hold it
  CHECK(feed->closed());
  CHECK(c.ReadToEnd().empty());
}

TEST_CASE("an answer's own headers are sent and a page that does not prove its caller says so",
          "[control][stream]") {
  Server s;
  Client c(s.server.port());
  c.Get("/page/plain");
  std::string head = c.ReadUntil("\r\n\r\n");
  CHECK_THAT(head, Catch::Contains("X-Frame-Options: DENY"));
  CHECK_THAT(head, Catch::Contains("Content-Type: text/html"));
  s.OnLoop([&] { CHECK(s.server.stats().connections_open == 1); });
}

TEST_CASE("a server-sent event cannot be split by the text it carries", "[control][stream]") {
  CHECK(ServerSentEvent("li\nve", "1\r\n2", "x\r\ny\rz") ==
        "event: live\nid: 12\ndata: x\ndata: y z\n\n");
  CHECK(ServerSentEvent("e", "", "") == "event: e\ndata: \n\n");
}
