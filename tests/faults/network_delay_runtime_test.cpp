#include "faults/network_delay_runtime.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "faults/local_runner.h"
#include "faults/runtime_support.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

// A veth pair private to this test process, deleted however the test ends.
class VethPair {
 public:
  VethPair() : name_("fdt" + std::to_string(::getpid() % 1000000) + "a") {
    CommandResult added = RunLocal("ip link add " + name_ + " type veth peer name " + Peer());
    if (added.ok()) {
      added_ = true;
    } else {
      why_not_ = "exit " + std::to_string(added.exit_code) + ": " + added.err;
    }
  }
  ~VethPair() {
    // Deleting one end removes both; the test must not throw from here.
    if (added_)
      (void)RunBlocking(LocalRunner().Run("ip link del " + name_, std::chrono::seconds(10)));
  }
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;
  bool added() const { return added_; }
  const std::string& why_not() const { return why_not_; }
  const std::string& name() const { return name_; }

 private:
  std::string Peer() const { return name_.substr(0, name_.size() - 1) + "b"; }
  std::string name_;
  bool added_ = false;
  std::string why_not_;
};

// Returns why tc cannot be used here, or "" when it can.
std::string WhyNoTc() {
  CommandResult version = RunLocal("tc -V");
  return version.ok() ? "" : "tc (iproute2) is not installed: " + version.err;
}

std::string RootQdiscOf(const std::string& interface) {
  CommandResult shown = RunLocal("tc qdisc show dev " + interface);
  REQUIRE(shown.ok());
  auto root = ParseRootQdisc(shown.out);
  return root ? root->kind + " " + root->handle : "none";
}

}  // namespace

TEST_CASE("network.delay: root qdiscs are read from tc output", "[faults][runtime]") {
  auto root =
      ParseRootQdisc("qdisc mq 0: root\nqdisc fq_codel 0: parent :1 limit 10240p flows 1024\n");
  REQUIRE(root.has_value());
  CHECK(root->kind == "mq");
  CHECK(root->is_default());
  root = ParseRootQdisc("qdisc netem fd1d: root refcnt 2 limit 1000 delay 200ms\n");
  REQUIRE(root.has_value());
  CHECK(root->kind == "netem");
  CHECK_FALSE(root->is_default());
  CHECK_FALSE(ParseRootQdisc("").has_value());
  CHECK_FALSE(ParseRootQdisc("qdisc fq_codel 0: parent :1 limit 10240p\n").has_value());
}

TEST_CASE("network.delay: the netem command carries latency, jitter and loss",
          "[faults][runtime]") {
  auto spec = MakeSpec("network.delay", "d",
                       Values().Str("interface", "eth0", 11).Dur("latency", 200ms, 12));
  CHECK(NetemAddCommand(dynamic_cast<const NetworkDelayParams&>(*spec.params)) ==
        "tc qdisc add dev 'eth0' root handle fd1d: netem delay 200ms");
  spec = MakeSpec("network.delay", "d",
                  Values()
                      .Str("interface", "eth0", 11)
                      .Dur("latency", 200ms, 12)
                      .Dur("jitter", 50ms, 13)
                      .Num("loss", 1.5, 14));
  CHECK(NetemAddCommand(dynamic_cast<const NetworkDelayParams&>(*spec.params)) ==
        "tc qdisc add dev 'eth0' root handle fd1d: netem delay 200ms 50ms loss 1.5%");
}

TEST_CASE("network.delay: Prepare refuses a missing interface and a missing tc",
          "[faults][runtime]") {
  if (std::string why = WhyNoTc(); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  LocalRunner runner;
  auto spec = MakeSpec("network.delay", "d",
                       Values().Str("interface", "fdnosuch0", 11).Dur("latency", 10ms, 12));
  auto fault = MakeNetworkDelayFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(FaultContext{spec, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::Contains("fdnosuch0 does not exist"));

  TempDir empty;
  PathlessRunner pathless(empty.path().string());
  state = RunBlocking(fault->Prepare(FaultContext{spec, pathless, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::StartsWith("tc not available"));
}

TEST_CASE(
    "network.delay: on an untouched loopback, Prepare records the default qdisc and "
    "Check and Restore change nothing",
    "[faults][runtime]") {
  if (std::string why = WhyNoTc(); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  LocalRunner runner;
  auto spec =
      MakeSpec("network.delay", "d", Values().Str("interface", "lo", 11).Dur("latency", 10ms, 12));
  FaultContext ctx{spec, runner, "d"};
  auto fault = MakeNetworkDelayFault();
  const std::string before = RootQdiscOf("lo");
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  if (!state.ok()) {
    // Only a person's own qdisc on lo makes Prepare refuse; say so rather than fail.
    WARN("skipped: lo has root qdisc " + before + ": " + state.error().message);
    return;
  }
  CHECK_THAT(*state, Catch::Contains("\"prior_root\":\"" + before + "\""));
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(RootQdiscOf("lo") == before);
}

TEST_CASE(
    "network.delay (needs root and veth): refuses a configured qdisc, and injects and "
    "restores netem where the kernel has it",
    "[faults][runtime][root]") {
  if (!IsRoot()) {
    WARN("skipped: not root (changing qdiscs needs CAP_NET_ADMIN)");
    return;
  }
  if (std::string why = WhyNoTc(); !why.empty()) {
    WARN("skipped: " + why);
    return;
  }
  VethPair veth;
  if (!veth.added()) {
    WARN("skipped: cannot create a veth pair: " + veth.why_not());
    return;
  }
  LocalRunner runner;
  auto spec = MakeSpec("network.delay", "d",
                       Values().Str("interface", veth.name(), 11).Dur("latency", 5ms, 12));
  FaultContext ctx{spec, runner, "d"};
  auto fault = MakeNetworkDelayFault();

  SECTION("a configured root qdisc is refused and kept") {
    REQUIRE(RunLocal("tc qdisc add dev " + veth.name() + " root handle 1: pfifo").ok());
    Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
    REQUIRE_FALSE(state.ok());
    CHECK_THAT(state.error().message, Catch::Contains("configured root qdisc (pfifo 1:)"));
    CHECK(RootQdiscOf(veth.name()) == "pfifo 1:");
  }

  SECTION("netem goes in and comes out") {
    Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
    REQUIRE(state.ok());
    RestoreAtExit guard(*fault, ctx, *state);
    const std::string before = RootQdiscOf(veth.name());
    Status injected = RunBlocking(fault->Inject(ctx, *state));
    if (!injected.ok() &&
        injected.error().message.find("qdisc kind is unknown") != std::string::npos) {
      CHECK(RootQdiscOf(veth.name()) == before);
      WARN("skipped inject/restore: " + injected.error().message);
      return;
    }
    REQUIRE(injected.ok());
    CHECK(RootQdiscOf(veth.name()) == std::string("netem ") + kNetemHandle);
    CHECK(*RunBlocking(fault->Check(ctx, *state)));
    REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
    CHECK(RootQdiscOf(veth.name()) == before);
    CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
    CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());
  }
}
