// Where SSH fan-out time goes, at the runner level: N SshRunners (one session each) to one sshd,
// driven from one event-loop thread as the engine drives them, with no worker pool. Prints the
// time to connect all N, one command on all N, the seven commands firedrill runs per target one
// by one, the same work batched into two commands ("arm + inject + check" and "restore + check +
// disarm"), and the latency of one command on an idle session. (Commands go through each
// session's command shell, as the engine's ungated commands do.)
//
// Usage: ssh_exec_bench HOST PORT USER IDENTITY KNOWN_HOSTS [--targets N] [--rounds R]
// (bench/ssh_fanout_bench.py runs it against its sshd with --exec-bench.)
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "faults/ssh_runner.h"

using namespace firedrill;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Runs `each(i)` for every target at once on one io_context thread; returns the wall time.
template <typename F>
double FanOut(std::size_t n, F each) {
  asio::io_context io;
  int failures = 0;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    asio::co_spawn(io, each(i), [&failures](std::exception_ptr e, bool ok) {
      if (e || !ok) ++failures;
    });
  }
  io.run();
  const double took = Seconds(Clock::now() - start);
  if (failures > 0) fmt::print("  ({} of {} targets failed)\n", failures, n);
  return took;
}

asio::awaitable<bool> RunAll(SshRunner& runner, std::vector<std::string> commands) {
  for (const std::string& command : commands) {
    Expected<CommandResult> r = co_await runner.Run(command, std::chrono::seconds(30));
    if (!r || !r->ok()) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connect(SshRunner& runner) {
  Status st = co_await runner.Connect();
  co_return st.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr,
               "usage: ssh_exec_bench HOST PORT USER IDENTITY KNOWN_HOSTS [--targets N] "
               "[--rounds R]\n");
    return 2;
  }
  SshEndpoint ep;
  ep.host = argv[1];
  ep.port = std::stoi(argv[2]);
  ep.user = argv[3];
  ep.identity = argv[4];
  ep.known_hosts = argv[5];
  ep.connect_timeout = std::chrono::seconds(60);
  std::size_t n = 50;
  int rounds = 3;
  for (int i = 6; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--targets") n = static_cast<std::size_t>(std::stoul(argv[i + 1]));
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
  }
  std::vector<std::unique_ptr<SshRunner>> runners;
  for (std::size_t i = 0; i < n; ++i) runners.push_back(std::make_unique<SshRunner>(ep));

  // The seven steps of target i as the engine runs them (shapes of the real commands), and the
  // same work in two execs.
  auto seven = [](std::size_t i) {
    const std::string marker = fmt::format("/tmp/firedrill-exec-bench-{}", i);
    const std::string name = fmt::format("firedrill-deadman-bench-{}", i);
    return std::vector<std::string>{
        "true",
        fmt::format("p=$(nohup setsid /bin/sh -c 'echo $$; exec >/dev/null 2>&1; sleep 300' {0} "
                    "</dev/null &); echo \"$p\" >/tmp/{0}.pid && echo armed",
                    name),
        "touch " + marker,
        "test -f " + marker,
        "rm -f " + marker,
        "! test -f " + marker,
        fmt::format("read -r p </tmp/{0}.pid && grep -q {0} /proc/$p/cmdline && kill -TERM -$p; "
                    "rm -f /tmp/{0}.pid",
                    name)};
  };
  auto batched = [&seven](std::size_t i) {
    const std::vector<std::string> s = seven(i);
    return std::vector<std::string>{s[1] + "; " + s[2] + " && " + s[3],
                                    s[4] + " && " + s[5] + "; " + s[6]};
  };

  fmt::print("runner level: {} SSH targets on one event-loop thread, no worker pool\n", n);
  const double connect = FanOut(n, [&](std::size_t i) { return Connect(*runners[i]); });
  fmt::print("  {:<48}{:7.3f} s\n", "connect (TCP, key exchange, host key, auth)", connect);
  std::vector<double> one, per7, per2;
  for (int r = 0; r < rounds; ++r) {
    one.push_back(FanOut(n, [&](std::size_t i) { return RunAll(*runners[i], {"true"}); }));
    per7.push_back(FanOut(n, [&](std::size_t i) { return RunAll(*runners[i], seven(i)); }));
    per2.push_back(FanOut(n, [&](std::size_t i) { return RunAll(*runners[i], batched(i)); }));
  }
  fmt::print("  {:<48}{:7.3f} s  (median of {})\n", "one command on every target", Median(one),
             rounds);
  fmt::print("  {:<48}{:7.3f} s\n", "7 commands per target (as the engine runs them)",
             Median(per7));
  fmt::print("  {:<48}{:7.3f} s\n", "the same batched into 2 commands per target", Median(per2));

  std::vector<double> latency;
  for (int i = 0; i < 20; ++i) {
    latency.push_back(FanOut(1, [&](std::size_t) { return RunAll(*runners[0], {"true"}); }));
  }
  fmt::print("  one command on an idle session: median {:.1f} ms, p90 {:.1f} ms\n",
             Median(latency) * 1000, Percentile(latency, 0.9) * 1000);
  return 0;
}
