#include "orchestrator/cli/proxy_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/zoned_time.h"
#include "faults/host_port.h"
#include "faults/latency_proxy_server.h"
#include "orchestrator/exit_status.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

constexpr char kUsage[] =
    "firedrill proxy --listen HOST:PORT --upstream HOST:PORT [--latency D] [--jitter D] "
    "[--reset-probability P] [--seed N] [--pid-file FILE] [--check]";

// How long --check waits for the upstream to accept a connection.
constexpr auto kUpstreamCheckTimeout = std::chrono::seconds(5);

// The command line, checked.
struct ProxyInvocation {
  LatencyProxyOptions options;
  std::optional<std::string> pid_file;
  bool check = false;
};

Expected<HostPort> AddressOption(const Args& args, const std::string& name) {
  std::optional<std::string> text = args.Value(name);
  if (!text) return Error(fmt::format("--{} HOST:PORT is required", name));
  Expected<HostPort> parsed = ParseHostPort(*text);
  if (!parsed) return Error(fmt::format("--{} \"{}\": {}", name, *text, parsed.error().message));
  return parsed;
}

Expected<Duration> DurationOption(const Args& args, const std::string& name) {
  std::optional<std::string> text = args.Value(name);
  if (!text) return Duration::zero();
  Expected<Duration> parsed = ParseDuration(*text);
  if (!parsed) return Error(fmt::format("--{} \"{}\": {}", name, *text, parsed.error().message));
  return parsed;
}

Expected<ProxyInvocation> ReadInvocation(const Args& args) {
  ProxyInvocation result;
  LatencyProxyOptions& options = result.options;
  Expected<HostPort> listen = AddressOption(args, "listen");
  if (!listen) return listen.error();
  Expected<HostPort> upstream = AddressOption(args, "upstream");
  if (!upstream) return upstream.error();
  if (*listen == *upstream) {
    return Error(
        fmt::format("--upstream {} is the proxy's own --listen address", upstream->ToString()));
  }
  options.listen = *std::move(listen);
  options.upstream = *std::move(upstream);
  Expected<Duration> latency = DurationOption(args, "latency");
  if (!latency) return latency.error();
  Expected<Duration> jitter = DurationOption(args, "jitter");
  if (!jitter) return jitter.error();
  options.latency = *latency;
  options.jitter = *jitter;
  if (std::optional<std::string> text = args.Value("reset-probability")) {
    double p = -1;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), p);
    if (ec != std::errc() || end != text->data() + text->size() || !std::isfinite(p) || p < 0 ||
        p > 1) {
      return Error(fmt::format(
          "--reset-probability \"{}\": expected a number from 0 to 1 (e.g. 0.05)", *text));
    }
    options.reset_probability = p;
  }
  if (std::optional<std::string> text = args.Value("seed")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), options.seed);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty()) {
      return Error(fmt::format("--seed \"{}\": expected a whole number from 0 to {}", *text,
                               std::numeric_limits<std::uint64_t>::max()));
    }
  } else {
    std::random_device random;
    options.seed = (static_cast<std::uint64_t>(random()) << 32) | random();
  }
  if (std::optional<std::string> file = args.Value("pid-file")) {
    if (file->empty()) return Error("--pid-file: expected a file name, not \"\"");
    result.pid_file = *file;
  }
  result.check = args.Has("check");
  return result;
}

// "with 100ms latency +/- 20ms jitter, resetting 5% of connections", or "unchanged".
std::string DescribeEffects(const LatencyProxyOptions& options) {
  std::vector<std::string> effects;
  if (options.latency > Duration::zero() || options.jitter > Duration::zero()) {
    std::string text = fmt::format("with {} latency", FormatDuration(options.latency));
    if (options.jitter > Duration::zero()) {
      text += fmt::format(" +/- {} jitter", FormatDuration(options.jitter));
    }
    effects.push_back(std::move(text));
  }
  if (options.reset_probability > 0) {
    effects.push_back(
        fmt::format("resetting {:g}% of connections", options.reset_probability * 100));
  }
  if (effects.empty()) return "unchanged";
  return fmt::format("{}", fmt::join(effects, ", "));
}

// Returns Ok iff `upstream` accepts a TCP connection within kUpstreamCheckTimeout.
Status CheckUpstream(const HostPort& upstream) {
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  boost::system::error_code result = asio::error::timed_out;
  bool resolved = true;
  resolver.async_resolve(
      upstream.host, std::to_string(upstream.port),
      [&](const boost::system::error_code& ec, const tcp::resolver::results_type& endpoints) {
        if (ec) {
          resolved = false;
          result = ec;
          return;
        }
        asio::async_connect(socket, endpoints,
                            [&](const boost::system::error_code& connect_ec, const tcp::endpoint&) {
                              result = connect_ec;
                            });
      });
  io.run_for(kUpstreamCheckTimeout);
  if (!resolved) {
    return Error(
        fmt::format("cannot resolve upstream {}: {}", upstream.ToString(), result.message()));
  }
  if (result == asio::error::timed_out) {
    return Error(fmt::format("upstream {} does not accept connections: no answer within {}s",
                             upstream.ToString(), kUpstreamCheckTimeout.count()));
  }
  if (result) {
    return Error(fmt::format("upstream {} does not accept connections: {}", upstream.ToString(),
                             result.message()));
  }
  return Status::Ok();
}

// Writes "PID\n" to `file` (through a temporary file and a rename, so that a reader never sees
// it half written).
Status WritePidFile(const std::string& file) {
  const std::string temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << ::getpid() << "\n";
    out.close();
    if (!out) return Error(fmt::format("--pid-file {}: cannot write {}", file, temporary));
  }
  std::error_code ec;
  fs::rename(temporary, file, ec);
  if (ec) return Error(fmt::format("--pid-file {}: {}", file, ec.message()));
  return Status::Ok();
}

int RunProxy(const Invocation& inv) {
  Expected<ProxyInvocation> read = ReadInvocation(inv.args);
  if (!read) {
    fmt::print(inv.err, "firedrill proxy: {}\nUsage: {}\n", read.error().message, kUsage);
    return kExitUsage;
  }
  ProxyInvocation& invocation = *read;
  std::ostream& err = inv.err;
  invocation.options.log = [&err](const std::string& line) {
    fmt::print(err, "{} {}\n", FormatUtc(NowUtc()), line);
    err.flush();
  };
  const HostPort upstream = invocation.options.upstream;
  const std::string effects = DescribeEffects(invocation.options);
  Expected<std::unique_ptr<LatencyProxyServer>> server =
      LatencyProxyServer::Create(std::move(invocation.options));
  if (!server) {
    fmt::print(inv.err, "firedrill proxy: {}\n", server.error().message);
    return kExitFailure;
  }
  if (invocation.check) {
    const HostPort listen = (*server)->bound();
    server->reset();  // frees the port again
    Status reachable = CheckUpstream(upstream);
    if (!reachable.ok()) {
      fmt::print(inv.err, "firedrill proxy: {}\n", reachable.error().message);
      return kExitFailure;
    }
    fmt::print(inv.out, "ok: {} is free and upstream {} accepts connections\n", listen.ToString(),
               upstream.ToString());
    return kExitOk;
  }
  if (invocation.pid_file) {
    Status written = WritePidFile(*invocation.pid_file);
    if (!written.ok()) {
      fmt::print(inv.err, "firedrill proxy: {}\n", written.error().message);
      return kExitFailure;
    }
  }
  (*server)->StopOnSignals();
  fmt::print(inv.out, "listening on {}, forwarding to {} {}\n", (*server)->bound().ToString(),
             upstream.ToString(), effects);
  inv.out.flush();
  (*server)->Run();
  if (invocation.pid_file) {
    std::error_code ignored;
    fs::remove(*invocation.pid_file, ignored);
  }
  fmt::print(inv.out, "stopped\n");
  return kExitOk;
}

}  // namespace

Command ProxyCommand() {
  return Command{
      "proxy",
      kUsage,
      "a TCP proxy that delays data and resets connections (network.latency-proxy)",
      "Accepts TCP connections on --listen and forwards each one to --upstream, holding every\n"
      "chunk of data back by --latency plus or minus a uniform --jitter (never below zero, and\n"
      "never ahead of earlier data) in both directions, and resetting a --reset-probability\n"
      "fraction of the connections as they arrive. Runs in the foreground until SIGINT or\n"
      "SIGTERM; needs no root (unless --listen is a port below 1024). This is what the\n"
      "network.latency-proxy fault starts on its target; on its own it puts a slow, flaky\n"
      "network between a client and a service: point the client at --listen.\n"
      "\n"
      "Prints \"listening on HOST:PORT, ...\" once connections are accepted, then one line per\n"
      "connection event on stderr. At most 1 MiB per direction of a connection is held; beyond\n"
      "that the proxy stops reading the sender until the receiver catches up.\n"
      "\n"
      "Options:\n"
      "  --listen HOST:PORT       where clients connect (IPv6 in brackets: [::1]:15432)\n"
      "  --upstream HOST:PORT     where connections are forwarded (resolved per connection)\n"
      "  --latency D              delay added to data in each direction (default 0s), e.g. 200ms\n"
      "  --jitter D               random variation of the latency, plus or minus (default 0s)\n"
      "  --reset-probability P    fraction of connections reset at once, 0 to 1 (default 0)\n"
      "  --seed N                 seed of the random choices, to repeat a run (default: random)\n"
      "  --pid-file FILE          write the proxy's pid to FILE once it listens; removed on exit\n"
      "  --check                  only check that --listen is free and --upstream accepts a\n"
      "                           connection (within 5s), then exit\n"
      "\n"
      "Examples:\n"
      "  firedrill proxy --listen 127.0.0.1:15432 --upstream db.internal:5432 --latency 300ms\n"
      "  firedrill proxy --listen 127.0.0.1:8081 --upstream 127.0.0.1:8080 --latency 100ms \\\n"
      "      --jitter 50ms --reset-probability 0.05\n"
      "  firedrill proxy --check --listen 127.0.0.1:15432 --upstream db.internal:5432\n"
      "\n"
      "Exit status: 0 stopped by a signal (or --check passed); 2 wrong use; 1 anything else\n"
      "(cannot listen, upstream unreachable with --check, pid file not writable).\n",
      ArgSpec{{"check"},
              {"listen", "upstream", "latency", "jitter", "reset-probability", "seed", "pid-file"},
              0,
              0},
      RunProxy};
}

}  // namespace firedrill
