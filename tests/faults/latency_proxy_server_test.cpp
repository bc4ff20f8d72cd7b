// The proxy server in this process against loopback upstreams: added latency, jitter keeping
// order, resets, large transfers both ways, half-close, and stopping.
#include "faults/latency_proxy_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/tcp_test_server.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// A proxy serving on a thread of its own for the length of a test.
class RunningProxy {
 public:
  explicit RunningProxy(LatencyProxyOptions options) {
    options.listen = HostPort{"127.0.0.1", 0, false};
    Expected<std::unique_ptr<LatencyProxyServer>> created =
        LatencyProxyServer::Create(std::move(options));
    REQUIRE(created.ok());
    server_ = std::move(*created);
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~RunningProxy() { Stop(); }
  RunningProxy(const RunningProxy&) = delete;
  RunningProxy& operator=(const RunningProxy&) = delete;

  int port() const { return server_->bound().port; }

  void Stop() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }

 private:
  std::unique_ptr<LatencyProxyServer> server_;
  std::thread thread_;
};

LatencyProxyOptions To(int upstream_port) {
  LatencyProxyOptions options;
  options.upstream = HostPort{"127.0.0.1", upstream_port, false};
  options.seed = 42;
  return options;
}

// Sends `message` and waits for its echo; returns the round trip time.
Clock::duration RoundTrip(int fd, const std::string& message) {
  const auto start = Clock::now();
  REQUIRE(SendAll(fd, message));
  REQUIRE(Receive(fd, message.size()) == message);
  return Clock::now() - start;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string RandomBytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

// Returns errno of a recv on `fd` that is expected to fail, or 0 if it returned data or EOF.
int RecvError(int fd) {
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, 0);
  return n < 0 ? errno : 0;
}

}  // namespace

TEST_CASE("latency proxy: data is held back by the latency in each direction",
          "[faults][latency-proxy]") {
  TcpTestServer upstream(Echo);
  LatencyProxyOptions options = To(upstream.port());
  options.latency = 100ms;
  RunningProxy proxy(options);
  UniqueFd client = ConnectLoopback(proxy.port());
  REQUIRE(client.get() >= 0);
  for (int i = 0; i < 4; ++i) {
    const double rtt = Ms(RoundTrip(client.get(), "ping " + std::to_string(i)));
    INFO("round trip " << i << ": " << rtt << " ms");
    // 100 ms on the way there and 100 ms on the way back; loopback adds well under 1 ms.
    CHECK(rtt >= 199.0);
    CHECK(rtt < 200.0 + 100.0);
  }
}

TEST_CASE("latency proxy: jitter varies the delay within its bounds and keeps the order",
          "[faults][latency-proxy]") {
  TcpTestServer upstream(Echo);
  LatencyProxyOptions options = To(upstream.port());
  options.latency = 40ms;
  options.jitter = 30ms;
  RunningProxy proxy(options);
  UniqueFd client = ConnectLoopback(proxy.port());
  REQUIRE(client.get() >= 0);

  std::vector<double> rtts;
  for (int i = 0; i < 12; ++i) rtts.push_back(Ms(RoundTrip(client.get(), "x")));
  const auto [low, high] = std::minmax_element(rtts.begin(), rtts.end());
  INFO("round trips from " << *low << " to " << *high << " ms");
  // Each way holds 10..70 ms.
  CHECK(*low >= 2 * 10.0 - 1.0);
  CHECK(*high < 2 * 70.0 + 100.0);
  CHECK(*high - *low >= 10.0);

  // Small writes 2 ms apart are separate chunks with separate delays; none may overtake another.
  std::string sent;
  for (int i = 0; i < 60; ++i) {
    const std::string message = "message " + std::to_string(i) + "\n";
    REQUIRE(SendAll(client.get(), message));
    sent += message;
    std::this_thread::sleep_for(2ms);
  }
  CHECK(Receive(client.get(), sent.size()) == sent);
}

TEST_CASE("latency proxy: reset_probability 1 resets every connection, 0 none",
          "[faults][latency-proxy]") {
  TcpTestServer upstream(Echo);
  SECTION("1: every client sees a reset and the upstream sees no connection") {
    LatencyProxyOptions options = To(upstream.port());
    options.reset_probability = 1;
    RunningProxy proxy(options);
    for (int i = 0; i < 5; ++i) {
      UniqueFd client = ConnectLoopback(proxy.port());
      REQUIRE(client.get() >= 0);
      CHECK(RecvError(client.get()) == ECONNRESET);
    }
    CHECK(upstream.accepted() == 0);
  }
  SECTION("0: every connection goes through") {
    LatencyProxyOptions options = To(upstream.port());
    RunningProxy proxy(options);
    for (int i = 0; i < 5; ++i) {
      UniqueFd client = ConnectLoopback(proxy.port());
      REQUIRE(client.get() >= 0);
      RoundTrip(client.get(), "hello");
    }
    CHECK(upstream.accepted() == 5);
  }
}

TEST_CASE("latency proxy: a client is reset when the upstream does not accept",
          "[faults][latency-proxy]") {
  RunningProxy proxy(To(FreeLoopbackPort()));
  UniqueFd client = ConnectLoopback(proxy.port());
  REQUIRE(client.get() >= 0);
  CHECK(RecvError(client.get()) == ECONNRESET);
}

TEST_CASE("latency proxy: 8 MiB each way arrive intact through a small queue",
          "[faults][latency-proxy]") {
  TcpTestServer upstream(Echo);
  LatencyProxyOptions options = To(upstream.port());
  options.latency = 2ms;
  options.jitter = 1ms;
  // Far below the data in flight: the proxy has to stop reading and resume many times.
  options.queue_limit = 128 * 1024;
  RunningProxy proxy(options);
  UniqueFd client = ConnectLoopback(proxy.port());
  REQUIRE(client.get() >= 0);
  const std::string data = RandomBytes(8 * 1024 * 1024, 7);
  std::future<bool> sent = std::async(std::launch::async, [&] {
    const bool ok = SendAll(client.get(), data);
    ::shutdown(client.get(), SHUT_WR);
    return ok;
  });
  const std::string echoed = ReceiveAll(client.get());
  CHECK(sent.get());
  REQUIRE(echoed.size() == data.size());
  CHECK(echoed == data);
}

TEST_CASE("latency proxy: an end of stream from one side is passed on after its data",
          "[faults][latency-proxy]") {
  SECTION("the client ends first and still gets the upstream's answer") {
    TcpTestServer upstream([](int fd) {
      const std::string request = ReceiveAll(fd);
      SendAll(fd, "got " + std::to_string(request.size()) + " bytes: " + request);
    });
    LatencyProxyOptions options = To(upstream.port());
    options.latency = 20ms;
    RunningProxy proxy(options);
    UniqueFd client = ConnectLoopback(proxy.port());
    REQUIRE(client.get() >= 0);
    REQUIRE(SendAll(client.get(), "hello"));
    REQUIRE(::shutdown(client.get(), SHUT_WR) == 0);
    CHECK(ReceiveAll(client.get()) == "got 5 bytes: hello");
  }
  SECTION("the upstream ends first and still gets the client's answer") {
    std::promise<std::string> received;
    TcpTestServer upstream([&](int fd) {
      SendAll(fd, "banner");
      ::shutdown(fd, SHUT_WR);
      received.set_value(ReceiveAll(fd));
    });
    LatencyProxyOptions options = To(upstream.port());
    options.latency = 20ms;
    RunningProxy proxy(options);
    UniqueFd client = ConnectLoopback(proxy.port());
    REQUIRE(client.get() >= 0);
    CHECK(ReceiveAll(client.get()) == "banner");
    REQUIRE(SendAll(client.get(), "bye"));
    REQUIRE(::shutdown(client.get(), SHUT_WR) == 0);
    std::future<std::string> answer = received.get_future();
    REQUIRE(answer.wait_for(5s) == std::future_status::ready);
    CHECK(answer.get() == "bye");
  }
}

TEST_CASE("latency proxy: Stop closes open connections and Run returns",
          "[faults][latency-proxy]") {
  TcpTestServer upstream(Echo);
  LatencyProxyOptions options = To(upstream.port());
  options.latency = 10ms;
  auto proxy = std::make_unique<RunningProxy>(options);
  UniqueFd client = ConnectLoopback(proxy->port());
  REQUIRE(client.get() >= 0);
  RoundTrip(client.get(), "hello");
  const auto start = Clock::now();
  proxy->Stop();
  CHECK(Clock::now() - start < 1s);
  // The connection is closed, and nothing listens any more.
  CHECK(ReceiveAll(client.get()).empty());
  const int port = proxy->port();
  CHECK(ConnectLoopback(port).get() < 0);
}
