// The control server under abuse, in process: restarts on a port with connections in TIME-WAIT,
// slow clients, bodies over the limit. Every client here is a plain blocking socket, sending
// exactly what the test says.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "orchestrator/control/control_client.h"
#include "orchestrator/control/control_server.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace asio = boost::asio;
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
