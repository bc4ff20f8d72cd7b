// network.latency-proxy through the real local runner: the real firedrill binary started as the
// proxy, checked, used by a client, and stopped.
#include "faults/latency_proxy_runtime.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#include "faults/local_runner.h"
#include "faults/runtime_support.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/faults/tcp_test_server.h"
#include "tests/faults/test_processes.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// This binary is not firedrill: the fault must start the real one, which CMake names at build
// time ($FIREDRILL_BIN overrides it).
void UseFiredrillBinary() {
  const char* from_env = std::getenv("FIREDRILL_BIN");
  SetProxyExecutable(from_env != nullptr && *from_env != '\0' ? from_env : FIREDRILL_BIN);
}

FaultSpec ProxySpec(int listen_port, int upstream_port, Duration latency) {
  return MakeSpec("network.latency-proxy", "slow-db",
                  Values()
                      .Str("listen", "127.0.0.1:" + std::to_string(listen_port), 11)
                      .Str("upstream", "127.0.0.1:" + std::to_string(upstream_port), 12)
                      .Dur("latency", latency, 13));
}

// Returns the member `key` of the fault state `state`.
std::string StateFile(const std::string& state, const char* key) {
  Expected<boost::json::object> parsed = ParseState(state);
  REQUIRE(parsed.ok());
  Expected<std::string> file = StateString(*parsed, key);
  REQUIRE(file.ok());
  return *file;
}

// Returns the pid the proxy wrote into the pid file named in `state`, or 0.
pid_t PidInState(const std::string& state) {
  std::ifstream in(StateFile(state, "pid_file"));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Removes the proxy's log at scope exit (a drill keeps it; a test should not).
class RemoveAtExit {
 public:
  explicit RemoveAtExit(std::string file) : file_(std::move(file)) {}
  ~RemoveAtExit() {
    std::error_code ignored;
    std::filesystem::remove(file_, ignored);
  }
  RemoveAtExit(const RemoveAtExit&) = delete;
  RemoveAtExit& operator=(const RemoveAtExit&) = delete;

 private:
  std::string file_;
};

}  // namespace

TEST_CASE("network.latency-proxy: Prepare refuses a busy listen port and says who holds it",
          "[faults][runtime][latency-proxy]") {
  UseFiredrillBinary();
  TcpTestServer upstream(Echo);
  int busy = 0;
  UniqueFd holder = ListenLoopback(busy);
  LocalRunner runner;
  const FaultSpec spec = ProxySpec(busy, upstream.port(), 100ms);
  Expected<std::string> state =
      RunBlocking(MakeLatencyProxyFault()->Prepare(FaultContext{spec, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  const std::string& message = state.error().message;
  CHECK_THAT(message, Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(busy)));
  CHECK_THAT(message, Catch::Contains("in use"));
  if (RunLocal("ss -V").ok()) {
    // This test binary holds the port.
    std::string name;
    std::ifstream comm("/proc/self/comm");
    std::getline(comm, name);
    CHECK_THAT(message,
               Catch::Contains("held by " + name + " (pid " + std::to_string(::getpid()) + ")"));
  }
}

TEST_CASE("network.latency-proxy: Prepare refuses an upstream that does not accept",
          "[faults][runtime][latency-proxy]") {
  UseFiredrillBinary();
  LocalRunner runner;
  const int nothing = FreeLoopbackPort();
  const FaultSpec spec = ProxySpec(FreeLoopbackPort(), nothing, 100ms);
  Expected<std::string> state =
      RunBlocking(MakeLatencyProxyFault()->Prepare(FaultContext{spec, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message,
             Catch::Contains("upstream 127.0.0.1:" + std::to_string(nothing) +
                             " does not accept connections"));
}

TEST_CASE("network.latency-proxy: the proxy delays clients until restored",
          "[faults][runtime][latency-proxy]") {
  UseFiredrillBinary();
  TcpTestServer upstream(Echo);
  const int listen = FreeLoopbackPort();
  LocalRunner runner;
  const FaultSpec spec = ProxySpec(listen, upstream.port(), 100ms);
  FaultContext ctx{spec, runner, "drill-test"};
  auto fault = MakeLatencyProxyFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  REQUIRE(state.ok());
  RemoveAtExit log(StateFile(*state, "log_file"));
  RestoreAtExit guard(*fault, ctx, *state);
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));

  Status injected = RunBlocking(fault->Inject(ctx, *state));
  INFO((injected.ok() ? std::string("ok") : injected.error().message));
  REQUIRE(injected.ok());
  const pid_t pid = PidInState(*state);
  REQUIRE(pid > 0);
  KillGroupAtExit last_resort(ProcessGroupOf(pid));
  CHECK(IsRunning(pid));
  // setsid: the proxy leads a session of its own, out of reach of the runner's clean-up.
  CHECK(ProcessGroupOf(pid) == pid);
  CHECK(*RunBlocking(fault->Check(ctx, *state)));

  {
    UniqueFd client = ConnectLoopback(listen);
    REQUIRE(client.get() >= 0);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(SendAll(client.get(), "ping"));
    CHECK(Receive(client.get(), 4) == "ping");
    const double rtt_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    INFO("round trip " << rtt_ms << " ms");
    // 100 ms each way.
    CHECK(rtt_ms >= 199.0);
  }
  CHECK_THAT(fault->ManualRestore(ctx, *state), Catch::StartsWith("kill -s TERM"));

  Status restored = RunBlocking(fault->Restore(ctx, *state));
  INFO((restored.ok() ? std::string("ok") : restored.error().message));
  REQUIRE(restored.ok());
  CHECK(PollUntil([&] { return !IsRunning(pid); }, 2s));
  // Nothing listens on the port any more.
  CHECK(ConnectLoopback(listen).get() < 0);
  CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
}
