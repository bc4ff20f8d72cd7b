#include <catch2/catch.hpp>

#include "faults/latency_proxy.h"
#include "faults/network_block.h"
#include "faults/network_delay.h"
#include "tests/faults/test_params.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

TEST_CASE("network.block: defaults", "[faults]") {
  auto r = Build("network.block", Values().Int("port", 5432, 11));
  REQUIRE(r.errors.empty());
  const auto* p = As<NetworkBlockParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->port == 5432);
  CHECK(p->protocol == BlockProtocol::kTcp);
  CHECK(p->direction == BlockDirection::kIn);
  CHECK(p->mode == BlockMode::kDrop);
  CHECK(p->probability == 1.0);
  CHECK_FALSE(p->address.has_value());
  CHECK(p->Describe() == "drop 100% of tcp packets to port 5432 (in)");
}

TEST_CASE("network.block: every parameter set", "[faults]") {
  auto r = Build("network.block", Values()
                                      .Int("port", 53, 11)
                                      .Str("protocol", "udp", 12)
                                      .Str("direction", "both", 13)
                                      .Str("mode", "reject", 14)
                                      .Num("probability", 0.25, 15)
                                      .Str("address", "10.0.0.0/8", 16));
  REQUIRE(r.errors.empty());
  const auto* p = As<NetworkBlockParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->protocol == BlockProtocol::kUdp);
  CHECK(p->direction == BlockDirection::kBoth);
  CHECK(p->mode == BlockMode::kReject);
  CHECK(p->probability == 0.25);
  REQUIRE(p->address.has_value());
  CHECK(p->address->prefix_length == 8);
  CHECK(p->Describe() == "reject 25% of udp packets to port 53 (both) to/from 10.0.0.0/8");

  auto out = Build(
      "network.block",
      Values().Int("port", 443, 11).Str("direction", "out", 12).Str("address", "2001:db8::1", 13));
  REQUIRE(As<NetworkBlockParams>(out) != nullptr);
  CHECK(As<NetworkBlockParams>(out)->direction == BlockDirection::kOut);
  CHECK(As<NetworkBlockParams>(out)->address->is_ipv6);
}

TEST_CASE("network.block: an integer probability is accepted as a number", "[faults]") {
  auto r = Build("network.block", Values().Int("port", 80, 11).Int("probability", 1, 12));
  REQUIRE(As<NetworkBlockParams>(r) != nullptr);
  CHECK(As<NetworkBlockParams>(r)->probability == 1.0);
}

TEST_CASE("network.block: bad values are reported at their positions", "[faults]") {
  auto r = Build(
      "network.block",
      Values().Int("port", 5432, 11).Num("probability", 0, 15).Str("address", "db.internal", 16));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].where->line == 15);
  CHECK_THAT(r.errors[0].message, Catch::Contains("probability must be greater than 0"));
  CHECK(r.errors[1].where->line == 16);
  CHECK_THAT(r.errors[1].message,
             Catch::Contains("\"db.internal\" is not an IP address or CIDR network"));

  auto bad_cidr =
      Build("network.block", Values().Int("port", 1, 11).Str("address", "10.1.2.3/40", 12));
  REQUIRE(bad_cidr.errors.size() == 1);
  CHECK(bad_cidr.errors[0].where->line == 12);

  auto port = Build("network.block", Values().Int("port", 70000, 11));
  REQUIRE(port.errors.size() == 1);
  CHECK(port.errors[0].where->line == 11);

  auto missing = Build("network.block", Values().Str("mode", "reject", 12));
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].where->line == kFaultLine);
}

TEST_CASE("network.block: the schema carries the bounds and choices", "[faults]") {
  const FaultKindSpec& spec = NetworkBlockSpec();
  const auto param = [&spec](const std::string& name) {
    for (const ParamSpec& p : spec.params) {
      if (p.name == name) return p;
    }
    FAIL("no parameter " << name);
    return ParamSpec{};
  };
  CHECK(param("port").required);
  CHECK(param("port").min == 1);
  CHECK(param("port").max == 65535);
  CHECK(param("protocol").one_of == std::vector<std::string>{"tcp", "udp"});
  CHECK(param("direction").one_of == std::vector<std::string>{"in", "out", "both"});
  CHECK(param("mode").one_of == std::vector<std::string>{"drop", "reject"});
  CHECK(param("probability").type == ParamType::kNumber);
  CHECK(param("probability").max == 1);
}

TEST_CASE("network.delay: required values and defaults", "[faults]") {
  auto r = Build("network.delay", Values().Str("interface", "eth0", 11).Dur("latency", 200ms, 12));
  REQUIRE(r.errors.empty());
  const auto* p = As<NetworkDelayParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->interface == "eth0");
  CHECK(p->latency == 200ms);
  CHECK(p->jitter == 0ms);
  CHECK(p->loss_percent == 0);
  CHECK(p->Describe() == "add 200ms latency to packets leaving eth0");

  auto all = Build("network.delay", Values()
                                        .Str("interface", "ens3", 11)
                                        .Dur("latency", 1s, 12)
                                        .Dur("jitter", 50ms, 13)
                                        .Num("loss", 2.5, 14));
  REQUIRE(As<NetworkDelayParams>(all) != nullptr);
  CHECK(all.params->Describe() ==
        "add 1s latency (+/- 50ms jitter) and 2.5% loss to packets leaving ens3");
}

TEST_CASE("network.delay: bad values are reported at their positions", "[faults]") {
  auto r = Build("network.delay", Values()
                                      .Str("interface", "a-much-too-long-ifname", 11)
                                      .Dur("latency", 0ms, 12)
                                      .Num("loss", 101, 14));
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].where->line == 11);
  CHECK_THAT(r.errors[0].message, Catch::Contains("longer than 15 characters"));
  CHECK(r.errors[1].where->line == 12);
  CHECK_THAT(r.errors[1].message, Catch::Contains("latency must be greater than 0s"));
  CHECK(r.errors[2].where->line == 14);

  auto slash =
      Build("network.delay", Values().Str("interface", "eth0/1", 11).Dur("latency", 1s, 12));
  REQUIRE(slash.errors.size() == 1);
  CHECK_THAT(slash.errors[0].message, Catch::Contains("contains '/'"));

  auto missing = Build("network.delay", Values().Str("interface", "eth0", 11));
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].where->line == kFaultLine);
  CHECK_THAT(missing.errors[0].message, Catch::Contains("missing required parameter latency"));
}

TEST_CASE("network.latency-proxy: addresses, effects and description", "[faults]") {
  auto r = Build("network.latency-proxy", Values()
                                              .Str("listen", "127.0.0.1:15432", 11)
                                              .Str("upstream", "db.internal:5432", 12)
                                              .Dur("latency", 100ms, 13)
                                              .Dur("jitter", 20ms, 14)
                                              .Num("reset_probability", 0.05, 15));
  REQUIRE(r.errors.empty());
  const auto* p = As<LatencyProxyParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->listen.host == "127.0.0.1");
  CHECK(p->listen.port == 15432);
  CHECK(p->upstream.host == "db.internal");
  CHECK(p->upstream.port == 5432);
  CHECK(p->latency == 100ms);
  CHECK(p->jitter == 20ms);
  CHECK(p->reset_probability == 0.05);
  CHECK(p->Describe() ==
        "proxy 127.0.0.1:15432 -> db.internal:5432 adding 100ms latency (+/- 20ms jitter), "
        "resetting 5% of connections");

  auto v6 = Build("network.latency-proxy", Values()
                                               .Str("listen", "[::1]:15432", 11)
                                               .Str("upstream", "[::1]:5432", 12)
                                               .Num("reset_probability", 1, 15));
  REQUIRE(As<LatencyProxyParams>(v6) != nullptr);
  CHECK(v6.params->Describe() == "proxy [::1]:15432 -> [::1]:5432 resetting 100% of connections");
}

TEST_CASE("network.latency-proxy: a proxy that changes nothing is refused", "[faults]") {
  auto r = Build("network.latency-proxy", Values()
                                              .Str("listen", "127.0.0.1:15432", 11)
                                              .Str("upstream", "127.0.0.1:5432", 12)
                                              .Dur("latency", 0s, 13));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].where->line == kFaultLine);
  CHECK_THAT(r.errors[0].message, Catch::Contains("the proxy would not change anything"));
}

TEST_CASE("network.latency-proxy: bad addresses are reported at their positions", "[faults]") {
  auto r = Build("network.latency-proxy", Values()
                                              .Str("listen", "::1:15432", 11)
                                              .Str("upstream", "db.internal", 12)
                                              .Dur("latency", 1s, 13));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].where->line == 11);
  CHECK_THAT(r.errors[0].message, Catch::Contains("listen: invalid address"));
  CHECK_THAT(r.errors[0].message, Catch::Contains("[::1]:15432"));
  CHECK(r.errors[1].where->line == 12);
  CHECK_THAT(r.errors[1].message, Catch::Contains("missing \":PORT\""));

  auto loop = Build("network.latency-proxy", Values()
                                                 .Str("listen", "127.0.0.1:5432", 11)
                                                 .Str("upstream", "127.0.0.1:5432", 12)
                                                 .Dur("latency", 1s, 13));
  REQUIRE(loop.errors.size() == 1);
  CHECK(loop.errors[0].where->line == 12);
  CHECK_THAT(loop.errors[0].message, Catch::Contains("own listen address"));
}
