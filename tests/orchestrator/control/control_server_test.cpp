#include "orchestrator/control/control_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/cli/control_commands.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/exit_status.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace fs = std::filesystem;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr char kDrill[] = "checkout-db-blackhole";

// Answers like the engine will, and remembers every call. Called on the server's thread, read
// on the test's: hence the mutex.
class FakeHandler : public ControlHandler {
 public:
  ControlResponse Handle(const ControlRequest& r) override {
    std::lock_guard lock(mu_);
    calls_.push_back(r);
    if (r.route == "/v1/drills") {
      json::array list;
      for (const auto& id : drills_) list.push_back(json::object{{"id", id}, {"state", "active"}});
      return {200, json::serialize(json::object{{"drills", list}})};
    }
    const std::string& id = r.params.at("id");
    if (std::find(drills_.begin(), drills_.end(), id) == drills_.end()) {
      return {404, json::serialize(json::object{{"error", "no running drill \"" + id + "\""}})};
    }
    json::object in = json::parse(r.body).as_object();
    if (r.route == "/v1/drills/{id}/ack") {
      return {200, json::serialize(json::object{{"recorded_at", "2026-03-04T10:15:02.123Z"},
                                                {"drill", id},
                                                {"what", in.at("what")},
                                                {"by", in.at("by")}})};
    }
    return {202, json::serialize(json::object{{"drill", id}, {"state", "aborting"}})};
  }

  std::vector<ControlRequest> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void SetDrills(std::vector<std::string> ids) {
    std::lock_guard lock(mu_);
    drills_ = std::move(ids);
  }

 private:
  std::mutex mu_;
  std::vector<ControlRequest> calls_;
  std::vector<std::string> drills_ = {kDrill};
};

// A real server on its own io_context thread, as the engine will run it.
struct Running {
  explicit Running(ControlLimits limits = {}) : server(io, dir.path(), handler, limits) {
    Status st = server.Start();
    INFO((st.ok() ? "" : st.error().message));
    REQUIRE(st.ok());
    thread = std::thread([this] { io.run(); });
  }
  ~Running() {
    asio::post(io, [this] { server.Stop(); });
    thread.join();
  }

  TempDir dir;
  asio::io_context io;
  FakeHandler handler;
  ControlServer server;
  std::thread thread;
};

struct RawResponse {
  int status = 0;
  std::string body;
  std::string allow;
};

// Sends one request over a plain blocking socket, with whatever headers the test wants.
RawResponse Raw(std::uint16_t port, http::verb verb, const std::string& target,
                std::optional<std::string> token, const std::string& body = "",
                bool chunked = false) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (token) req.set(http::field::authorization, "Bearer " + *token);
  req.body() = body;
  req.prepare_payload();
  if (chunked) req.chunked(true);
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::allow])};
}

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun Cli(const Command& command, const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, command.spec);
  REQUIRE(args.ok());
  std::ostringstream out, err;
  int status = command.run(Invocation{*args, out, err});
  return {status, out.str(), err.str()};
}

void WriteFile(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("ack round-trip: the handler gets the body, the client gets 200", "[control]") {
  Running s;
  std::string body = R"({"what":"detected","by":"alice","note":"pager at 10:14"})";
  auto r =
      SendControl(s.dir.path(), "POST", std::string("/v1/drills/") + kDrill + "/ack", body, 5s);
  INFO((r.ok() ? r->body : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(json::parse(r->body).at("what").as_string() == "detected");
  auto calls = s.handler.Calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].method == "POST");
  CHECK(calls[0].path == std::string("/v1/drills/") + kDrill + "/ack");
  CHECK(calls[0].route == "/v1/drills/{id}/ack");
  CHECK(calls[0].params.at("id") == kDrill);
  CHECK(calls[0].body == body);
}

TEST_CASE("no token or a wrong token is refused with 401 before the handler", "[control]") {
  Running s;
  std::string target = std::string("/v1/drills/") + kDrill + "/ack";
  RawResponse none = Raw(s.server.port(), http::verb::post, target, std::nullopt, "{}");
  CHECK(none.status == 401);
  CHECK_THAT(none.body, Catch::Contains("\"error\""));

  auto endpoint = FindControlEndpoint(s.dir.path());
  REQUIRE(endpoint.ok());
  ControlEndpoint wrong = *endpoint;
  wrong.token[0] = wrong.token[0] == 'a' ? 'b' : 'a';  // same length, one digit off
  auto r = SendControl(wrong, "POST", target, R"({"what":"detected"})", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 401);
  wrong.token = "short";
  r = SendControl(wrong, "GET", "/v1/drills", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 401);
  // Unauthenticated requests learn nothing about paths either.
  CHECK(Raw(s.server.port(), http::verb::get, "/nope", std::nullopt).status == 401);
  CHECK(s.handler.Calls().empty());
}

TEST_CASE("the server refuses oversize, malformed, unknown and wrong-method requests",
          "[control]") {
  Running s;
  std::string ack = std::string("/v1/drills/") + kDrill + "/ack";

  std::string big = R"({"note":")" + std::string(100 * 1024, 'x') + R"("})";
  auto r = SendControl(s.dir.path(), "POST", ack, big, 5s);
  INFO((r.ok() ? r->body : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->status == 413);

  // A chunked body announces no size; the limit still holds while it is read.
  CHECK(Raw(s.server.port(), http::verb::post, ack, s.server.token(), big, true).status == 413);

  r = SendControl(s.dir.path(), "POST", ack, R"({"what": "detected",)", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 400);
  r = SendControl(s.dir.path(), "POST", ack, "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 400);
  r = SendControl(s.dir.path(), "POST", ack, R"(["detected"])", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 400);

  r = SendControl(s.dir.path(), "GET", "/v1/nothing-here", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 404);
  r = SendControl(s.dir.path(), "POST", "/v1/drills//ack", "{}", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 404);

  RawResponse m = Raw(s.server.port(), http::verb::get, ack, s.server.token());
  CHECK(m.status == 405);
  CHECK(m.allow == "POST");
  CHECK(s.handler.Calls().empty());

  // A query string is not part of the path.
  r = SendControl(s.dir.path(), "GET", "/v1/drills?state=active", "", 5s);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  REQUIRE(s.handler.Calls().size() == 1);
  CHECK(s.handler.Calls()[0].path == "/v1/drills");
}

TEST_CASE("a connection is kept alive across requests", "[control]") {
  Running s;
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), s.server.port()});
  beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    http::request<http::string_body> req{http::verb::get, "/v1/drills", 11};
    req.set(http::field::authorization, "Bearer " + s.server.token());
    req.prepare_payload();
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    CHECK(res.result_int() == 200);
    CHECK(res.keep_alive());
  }
  CHECK(s.handler.Calls().size() == 3);
  // Running's destructor stops the server with this connection still open: Stop must close it
  // or the server thread would not end.
}

TEST_CASE("control.json is written with mode 0600 and removed by Stop", "[control]") {
  TempDir dir;
  asio::io_context io;
  FakeHandler handler;
  ControlServer server(io, dir.path(), handler);
  REQUIRE(server.Start().ok());
  fs::path file = dir.path() / kControlFileName;
  struct stat st {};
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto endpoint = LoadControlFile(file);
  REQUIRE(endpoint.ok());
  CHECK(endpoint->port == server.port());
  CHECK(endpoint->pid == getpid());
  CHECK(endpoint->token.size() == 64);
  CHECK(endpoint->token == server.token());
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

  // A second server for the same state dir in a live process other than ours is refused; one
  // in our own process (a restart) replaces the file.
  ControlServer again(io, dir.path(), handler);
  REQUIRE(again.Start().ok());
  auto replaced = LoadControlFile(file);
  REQUIRE(replaced.ok());
  CHECK(replaced->token == again.token());
  server.Stop();  // not its file any more: must leave it alone
  CHECK(fs::exists(file));
  again.Stop();
  CHECK_FALSE(fs::exists(file));
  again.Stop();  // idempotent
}

TEST_CASE("a control.json of a live foreign process is not taken over", "[control]") {
  TempDir dir;
  WriteFile(dir.path() / kControlFileName,
            R"({"port":1,"token":"aa","pid":1})");  // pid 1 is always alive
  asio::io_context io;
  FakeHandler handler;
  ControlServer server(io, dir.path(), handler);
  Status st = server.Start();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("pid 1"));
}

TEST_CASE("the client names a missing or stale control.json", "[control]") {
  TempDir dir;
  auto r = SendControl(dir.path(), "GET", "/v1/drills", "", 2s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("no drill is running for state dir"));
  CHECK_THAT(r.error().message, Catch::Contains("(no control.json)"));

  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  WriteFile(dir.path() / kControlFileName,
            fmt::format(R"({{"port":1,"token":"aa","pid":{}}})", child));
  r = SendControl(dir.path(), "GET", "/v1/drills", "", 2s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains(fmt::format("control.json is stale: process {} is gone", child)));

  WriteFile(dir.path() / kControlFileName, "{\"port\":");
  r = SendControl(dir.path(), "GET", "/v1/drills", "", 2s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("not a JSON object"));
}

TEST_CASE("the client gives up when the endpoint never answers", "[control]") {
  TempDir dir;
  asio::io_context io;
  // Listens (so connect succeeds, from the backlog) but never accepts nor answers.
  tcp::acceptor silent(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  WriteFile(dir.path() / kControlFileName, fmt::format(R"({{"port":{},"token":"aa","pid":{}}})",
                                                       silent.local_endpoint().port(), getpid()));
  auto start = std::chrono::steady_clock::now();
  auto r = SendControl(dir.path(), "GET", "/v1/drills", "", 500ms);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("no answer"));
  CHECK(took < 1500ms);
}

TEST_CASE("the routing and screening functions are pure", "[control]") {
  FakeHandler handler;
  ControlLimits limits;
  std::string token(64, 'a');
  CHECK(ScreenControlHead({"GET", "/", "Bearer " + token, std::nullopt}, token, limits) ==
        std::nullopt);
  CHECK(ScreenControlHead({"GET", "/", "bearer " + token, std::nullopt}, token, limits) ==
        std::nullopt);
  CHECK(ScreenControlHead({"GET", "/", token, std::nullopt}, token, limits)->status == 401);
  CHECK(ScreenControlHead({"GET", "/", "Bearer ", std::nullopt}, "", limits)->status == 401);
  CHECK(ScreenControlHead({"POST", "/", "Bearer " + token, 64 * 1024}, token, limits) ==
        std::nullopt);
  CHECK(ScreenControlHead({"POST", "/", "Bearer " + token, 64 * 1024 + 1}, token, limits)->status ==
        413);

  ControlResponse r =
      DispatchControl(kControlRoutes, "POST", "/v1/drills/x/abort", R"({"reason":"r"})", handler);
  CHECK(r.status == 404);  // the fake knows no drill "x": the handler answered
  REQUIRE(handler.Calls().size() == 1);
  CHECK(handler.Calls()[0].route == "/v1/drills/{id}/abort");
  CHECK(DispatchControl(kControlRoutes, "DELETE", "/v1/drills", "", handler).status == 405);
  CHECK(DispatchControl(kControlRoutes, "GET", "/v1/drills/x/state", "", handler).status == 404);
  CHECK(DispatchControl(kControlRoutes, "GET", "/v1/drills/", "", handler).status == 404);
  CHECK(handler.Calls().size() == 1);
  // A drill's status is a route of its own (the handler answers for the drill).
  CHECK(DispatchControl(kControlRoutes, "GET", "/v1/drills/x", "", handler).status == 404);
  REQUIRE(handler.Calls().size() == 2);
  CHECK(handler.Calls()[1].route == "/v1/drills/{id}");
}

TEST_CASE("firedrill ack records through the endpoint", "[control][cli]") {
  Running s;
  std::string state = s.dir.path().string();
  CliRun r = Cli(AckCommand(), {"detected", "--by", "alice", "--note", "n", "--state", state});
  INFO(r.err);
  CHECK(r.status == kExitOk);
  CHECK(r.out ==
        "recorded: detected by alice at 2026-03-04T10:15:02.123Z (drill checkout-db-blackhole)\n");
  auto calls = s.handler.Calls();
  REQUIRE(calls.size() == 2);  // the drill list (no --drill), then the ack
  CHECK(calls[0].path == "/v1/drills");
  json::value body = json::parse(calls[1].body);
  CHECK(body.at("what").as_string() == "detected");
  CHECK(body.at("note").as_string() == "n");

  r = Cli(AckCommand(), {"recovered", "--json", "--drill", kDrill, "--state", state});
  CHECK(r.status == kExitOk);
  CHECK(json::parse(r.out).at("what").as_string() == "recovered");

  r = Cli(AckCommand(), {"fixed", "--state", state});
  CHECK(r.status == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("detected or recovered"));

  r = Cli(AckCommand(), {"detected", "--drill", "other-drill", "--state", state});
  CHECK(r.status == kExitNotFound);
  CHECK_THAT(r.err, Catch::Contains("no running drill \"other-drill\""));

  s.handler.SetDrills({"a-drill", "b-drill"});
  r = Cli(AckCommand(), {"detected", "--state", state});
  CHECK(r.status == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("(a-drill, b-drill)"));

  TempDir empty;
  r = Cli(AckCommand(), {"detected", "--state", empty.path().string()});
  CHECK(r.status == kExitStateError);
  CHECK_THAT(r.err, Catch::Contains("no drill is running"));
}

TEST_CASE("firedrill abort needs a reason and reaches one or all drills", "[control][cli]") {
  Running s;
  std::string state = s.dir.path().string();
  CliRun r = Cli(AbortCommand(), {"--state", state});
  CHECK(r.status == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("--reason TEXT is required"));
  CHECK(s.handler.Calls().empty());

  r = Cli(AbortCommand(), {"--reason", "real incident", "--by", "bob", "--state", state});
  INFO(r.err);
  CHECK(r.status == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("abort requested: drill checkout-db-blackhole"));
  auto calls = s.handler.Calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].route == "/v1/drills/{id}/abort");
  CHECK(json::parse(calls[1].body).at("reason").as_string() == "real incident");
  CHECK(json::parse(calls[1].body).at("by").as_string() == "bob");

  s.handler.SetDrills({"a-drill", "b-drill"});
  r = Cli(AbortCommand(), {"--all", "--reason", "freeze", "--state", state});
  CHECK(r.status == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("drill a-drill"));
  CHECK_THAT(r.out, Catch::Contains("drill b-drill"));

  r = Cli(AbortCommand(), {"--all", "--drill", "a-drill", "--reason", "x", "--state", state});
  CHECK(r.status == kExitUsage);
  r = Cli(AbortCommand(), {"--drill", "../x", "--reason", "x", "--state", state});
  CHECK(r.status == kExitUsage);
}
