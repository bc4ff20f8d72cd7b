#include "faults/network_block_runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "faults/local_runner.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// A socket that is closed however the test ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A TCP listener on 127.0.0.1 at a port the kernel picks. Connections complete in its backlog;
// nothing needs to accept them.
class Listener {
 public:
  Listener() : socket_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(socket_.fd() >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(socket_.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(socket_.fd(), 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(socket_.fd(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  int port() const { return port_; }

 private:
  Socket socket_;
  int port_ = 0;
};

enum class Connect { kConnected, kRefused, kTimedOut, kOtherError };

// Connects to 127.0.0.1:port, giving up after `wait`.
Connect TryConnect(int port, std::chrono::milliseconds wait) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd() >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    return Connect::kConnected;
  }
  if (errno == ECONNREFUSED) return Connect::kRefused;
  if (errno != EINPROGRESS) return Connect::kOtherError;
  pollfd pfd{s.fd(), POLLOUT, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(wait.count()));
  if (ready == 0) return Connect::kTimedOut;
  int error = 0;
  socklen_t len = sizeof error;
  REQUIRE(::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len) == 0);
  if (error == 0) return Connect::kConnected;
  return error == ECONNREFUSED ? Connect::kRefused : Connect::kOtherError;
}

// Returns why the real-system tests cannot run here, or "" when they can.
std::string WhyNotUsable() {
  if (!IsRoot()) return "not root (nftables rules need CAP_NET_ADMIN)";
  CommandResult tables = RunLocal("nft list tables");
  if (!tables.ok()) {
    return "nft is not usable here: exit " + std::to_string(tables.exit_code) + ": " + tables.err;
  }
  return "";
}

bool ChainListed(const std::string& chain) {
  return RunLocal("nft list chain inet firedrill " + chain).ok();
}

// The table must be gone, unless a chain that is not ours (another fault's) is still in it.
void RequireTableGoneOrOnlyOthers(const std::vector<std::string>& ours) {
  CommandResult table = RunLocal("nft list table inet firedrill");
  if (!table.ok()) return;
  for (const std::string& chain : ours) CHECK(table.out.find(chain) == std::string::npos);
  CHECK(table.out.find("chain ") != std::string::npos);
}

struct BlockFault {
  BlockFault(const std::string& id, const Values& values)
      : spec(MakeSpec("network.block", id, values)), ctx{spec, runner, "drill-test"} {}
  FaultSpec spec;
  LocalRunner runner;
  FaultContext ctx;
  std::unique_ptr<Fault> fault = MakeNetworkBlockFault();
};

}  // namespace

TEST_CASE("builtin faults: network, disk and stress kinds have runtimes", "[faults][runtime]") {
  for (const char* kind :
       {"network.block", "network.delay", "disk.fill", "cpu.stress", "memory.stress"}) {
    INFO(kind);
    CHECK(MakeBuiltinFault(kind) != nullptr);
  }
}

TEST_CASE("network.block: chain names are short, plain and distinct", "[faults][runtime]") {
  auto in = NftChainNames("checkout", "block-db", BlockDirection::kIn);
  REQUIRE(in.size() == 1);
  // "-" is not plain, so the name is hashed.
  CHECK(in[0].starts_with("fd_checkout_block_"));
  CHECK(in[0].size() == kMaxNftChainName - 1);
  CHECK(in[0].ends_with("_in"));
  CHECK(NftChainNames("checkout", "block_db", BlockDirection::kOut) ==
        std::vector<std::string>{"fd_checkout_block_db_out"});
  CHECK(NftChainNames("a", "b", BlockDirection::kBoth) ==
        std::vector<std::string>{"fd_a_b_in", "fd_a_b_out"});
  CHECK(NftChainNames("a-b", "c", BlockDirection::kIn) !=
        NftChainNames("a.b", "c", BlockDirection::kIn));
  const std::string long_id(200, 'x');
  auto one = NftChainNames(long_id, "f1", BlockDirection::kBoth);
  auto two = NftChainNames(long_id, "f2", BlockDirection::kBoth);
  for (const auto& name : one) CHECK(name.size() <= kMaxNftChainName);
  CHECK(one != two);
}

TEST_CASE("network.block: the nft script holds one rule per hook", "[faults][runtime]") {
  auto spec = MakeSpec("network.block", "f",
                       Values()
                           .Int("port", 5432, 11)
                           .Str("direction", "both", 12)
                           .Str("mode", "reject", 13)
                           .Num("probability", 0.25, 14)
                           .Str("address", "10.1.0.0/16", 15));
  const auto& params = dynamic_cast<const NetworkBlockParams&>(*spec.params);
  const std::string script = NftInjectScript(params, {"fd_d_f_in", "fd_d_f_out"});
  CHECK_THAT(script, Catch::Contains("add table inet firedrill\n"));
  CHECK_THAT(script, Catch::Contains("add chain inet firedrill fd_d_f_in { type filter hook input "
                                     "priority -10; policy accept; }"));
  CHECK_THAT(script, Catch::Contains("add rule inet firedrill fd_d_f_in tcp dport 5432 ip saddr "
                                     "10.1.0.0/16 numgen random mod 1000 < 250 counter reject "
                                     "with tcp reset"));
  CHECK_THAT(script, Catch::Contains("hook output"));
  CHECK_THAT(script, Catch::Contains("fd_d_f_out tcp dport 5432 ip daddr 10.1.0.0/16"));
}

TEST_CASE("network.block: Prepare refuses without nft, saying why", "[faults][runtime]") {
  TempDir empty;
  PathlessRunner runner(empty.path().string());
  auto spec = MakeSpec("network.block", "f", Values().Int("port", 80, 11));
  FaultContext ctx{spec, runner, "d"};
  Expected<std::string> state = RunBlocking(MakeNetworkBlockFault()->Prepare(ctx));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::StartsWith("nftables not available: "));
}

TEST_CASE("network.block (needs root and nftables): reject and drop on loopback, then restore",
          "[faults][runtime][root]") {
  if (std::string why = WhyNotUsable(); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  Listener listener;
  REQUIRE(TryConnect(listener.port(), 5s) == Connect::kConnected);

  SECTION("reject on input: clients are refused at once") {
    BlockFault f("reject-in", Values()
                                  .Int("port", listener.port(), 11)
                                  .Str("mode", "reject", 12)
                                  .Str("direction", "in", 13));
    Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx));
    REQUIRE(state.ok());
    RestoreAtExit guard(*f.fault, f.ctx, *state);
    const auto chains = NftChainNames("drill-test", "reject-in", BlockDirection::kIn);
    CHECK_FALSE(ChainListed(chains[0]));
    REQUIRE(RunBlocking(f.fault->Inject(f.ctx, *state)).ok());
    CHECK(ChainListed(chains[0]));
    CHECK(*RunBlocking(f.fault->Check(f.ctx, *state)));
    CHECK(TryConnect(listener.port(), 5s) == Connect::kRefused);
    CHECK_THAT(f.fault->ManualRestore(f.ctx, *state),
               Catch::Contains("nft delete chain inet firedrill " + chains[0]));

    // A second run of the same fault must not take over the first one's chain.
    Expected<std::string> again = RunBlocking(f.fault->Prepare(f.ctx));
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains("already exists"));

    REQUIRE(RunBlocking(f.fault->Restore(f.ctx, *state)).ok());
    CHECK_FALSE(ChainListed(chains[0]));
    CHECK_FALSE(*RunBlocking(f.fault->Check(f.ctx, *state)));
    CHECK(TryConnect(listener.port(), 5s) == Connect::kConnected);
    RequireTableGoneOrOnlyOthers(chains);
    // Restoring again changes nothing and succeeds.
    CHECK(RunBlocking(f.fault->Restore(f.ctx, *state)).ok());
  }

  SECTION("drop on output: clients time out") {
    BlockFault f("drop-out", Values()
                                 .Int("port", listener.port(), 11)
                                 .Str("mode", "drop", 12)
                                 .Str("direction", "out", 13)
                                 .Str("address", "127.0.0.1", 14));
    Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx));
    REQUIRE(state.ok());
    RestoreAtExit guard(*f.fault, f.ctx, *state);
    REQUIRE(RunBlocking(f.fault->Inject(f.ctx, *state)).ok());
    CHECK(TryConnect(listener.port(), 1s) == Connect::kTimedOut);
    REQUIRE(RunBlocking(f.fault->Restore(f.ctx, *state)).ok());
    CHECK(TryConnect(listener.port(), 5s) == Connect::kConnected);
    RequireTableGoneOrOnlyOthers(NftChainNames("drill-test", "drop-out", BlockDirection::kOut));
  }

  SECTION("restoring one fault leaves another fault's chain and the table in place") {
    Listener other;
    BlockFault first("first", Values().Int("port", listener.port(), 11).Str("mode", "reject", 12));
    BlockFault second("second", Values()
                                    .Int("port", other.port(), 11)
                                    .Str("mode", "reject", 12)
                                    .Str("direction", "both", 13));
    Expected<std::string> s1 = RunBlocking(first.fault->Prepare(first.ctx));
    Expected<std::string> s2 = RunBlocking(second.fault->Prepare(second.ctx));
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    RestoreAtExit guard1(*first.fault, first.ctx, *s1);
    RestoreAtExit guard2(*second.fault, second.ctx, *s2);
    REQUIRE(RunBlocking(first.fault->Inject(first.ctx, *s1)).ok());
    REQUIRE(RunBlocking(second.fault->Inject(second.ctx, *s2)).ok());
    CHECK(TryConnect(listener.port(), 5s) == Connect::kRefused);
    CHECK(TryConnect(other.port(), 5s) == Connect::kRefused);

    REQUIRE(RunBlocking(first.fault->Restore(first.ctx, *s1)).ok());
    CHECK(TryConnect(listener.port(), 5s) == Connect::kConnected);
    CHECK(TryConnect(other.port(), 5s) == Connect::kRefused);
    for (const auto& chain : NftChainNames("drill-test", "second", BlockDirection::kBoth)) {
      CHECK(ChainListed(chain));
    }
    CHECK(*RunBlocking(second.fault->Check(second.ctx, *s2)));

    REQUIRE(RunBlocking(second.fault->Restore(second.ctx, *s2)).ok());
    CHECK(TryConnect(other.port(), 5s) == Connect::kConnected);
    RequireTableGoneOrOnlyOthers(NftChainNames("drill-test", "second", BlockDirection::kBoth));
  }

  SECTION("udp, an IPv6 network and a probability are accepted by the kernel") {
    BlockFault f("udp-v6", Values()
                               .Int("port", listener.port(), 11)
                               .Str("protocol", "udp", 12)
                               .Str("mode", "reject", 13)
                               .Num("probability", 0.5, 14)
                               .Str("address", "fd00::/8", 15));
    Expected<std::string> state = RunBlocking(f.fault->Prepare(f.ctx));
    REQUIRE(state.ok());
    RestoreAtExit guard(*f.fault, f.ctx, *state);
    REQUIRE(RunBlocking(f.fault->Inject(f.ctx, *state)).ok());
    const auto chains = NftChainNames("drill-test", "udp-v6", BlockDirection::kIn);
    CommandResult listed = RunLocal("nft list chain inet firedrill " + chains[0]);
    REQUIRE(listed.ok());
    CHECK_THAT(listed.out, Catch::Contains("udp dport " + std::to_string(listener.port()) +
                                           " ip6 saddr fd00::/8 numgen random mod 1000 < 500"));
    REQUIRE(RunBlocking(f.fault->Restore(f.ctx, *state)).ok());
    CHECK_FALSE(ChainListed(chains[0]));
  }
}
