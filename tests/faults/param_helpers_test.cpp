#include <catch2/catch.hpp>

#include "faults/host_port.h"
#include "faults/ip_network.h"
#include "faults/size_spec.h"

using namespace firedrill;

TEST_CASE("sizes parse as bytes with a unit or as a percentage", "[faults]") {
  CHECK(ParseSizeSpec("512M")->bytes == 512ull << 20);
  CHECK(ParseSizeSpec("2G")->bytes == 2ull << 30);
  CHECK(ParseSizeSpec("64K")->bytes == 64ull << 10);
  CHECK(ParseSizeSpec("1T")->bytes == 1ull << 40);
  CHECK(ParseSizeSpec("0G")->bytes == 0);
  CHECK_FALSE(ParseSizeSpec("512M")->is_percent);

  auto pct = ParseSizeSpec("80%");
  REQUIRE(pct.ok());
  CHECK(pct->is_percent);
  CHECK(pct->percent == 80);
  CHECK(ParseSizeSpec("2.5%")->percent == 2.5);
  CHECK(pct->BytesOf(1000) == 800);
  CHECK(ParseSizeSpec("1K")->BytesOf(1000) == 1024);
}

TEST_CASE("sizes format back to drill-file notation", "[faults]") {
  CHECK(ParseSizeSpec("512M")->ToString() == "512M");
  CHECK(ParseSizeSpec("2048M")->ToString() == "2G");
  CHECK(ParseSizeSpec("1536M")->ToString() == "1536M");
  CHECK(ParseSizeSpec("80%")->ToString() == "80%");
  CHECK(ParseSizeSpec("2.5%")->ToString() == "2.5%");
}

TEST_CASE("bad sizes are refused with the expected form named", "[faults]") {
  for (const char* bad : {"", "512", "M", "1.5G", "5MB", "512m", "-1G", "+1G", "101%", "%", "-5%",
                          "abc%", "99999999999999999999G", "20000000T", "1 G"}) {
    auto s = ParseSizeSpec(bad);
    INFO(bad);
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.error().message, Catch::Contains("expected e.g. \"512M\""));
  }
}

TEST_CASE("sizes written with a B get a hint", "[faults]") {
  auto s = ParseSizeSpec("5GB");
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::Contains("write \"5G\" without the B"));
}

TEST_CASE("IP addresses and CIDR networks parse", "[faults]") {
  auto v4 = ParseIpNetwork("10.0.0.5");
  REQUIRE(v4.ok());
  CHECK_FALSE(v4->is_ipv6);
  CHECK(v4->prefix_length == 32);
  CHECK(v4->ToString() == "10.0.0.5");

  auto net = ParseIpNetwork("10.0.0.0/8");
  REQUIRE(net.ok());
  CHECK(net->prefix_length == 8);
  CHECK(net->ToString() == "10.0.0.0/8");

  auto v6 = ParseIpNetwork("fd00::/8");
  REQUIRE(v6.ok());
  CHECK(v6->is_ipv6);
  CHECK(v6->prefix_length == 8);
  CHECK(ParseIpNetwork("::1")->prefix_length == 128);
  CHECK(ParseIpNetwork("0.0.0.0/0").ok());

  for (const char* bad : {"", "db.internal", "10.0.0.256", "10.0.0", "10.0.0.0/33", "10.0.0.0/",
                          "10.0.0.0/x", "fd00::/129", "/8", "[::1]", "10.0.0.0/-1"}) {
    INFO(bad);
    auto r = ParseIpNetwork(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("is not an IP address or CIDR network"));
  }
}

TEST_CASE("HOST:PORT parses names, IPv4 and bracketed IPv6", "[faults]") {
  auto name = ParseHostPort("db.internal:5432");
  REQUIRE(name.ok());
  CHECK(name->host == "db.internal");
  CHECK(name->port == 5432);
  CHECK(name->ToString() == "db.internal:5432");

  auto v4 = ParseHostPort("127.0.0.1:15432");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");

  auto v6 = ParseHostPort("[::1]:5432");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->is_ipv6);
  CHECK(v6->ToString() == "[::1]:5432");

  CHECK(ParseHostPort("localhost:1").ok());
  CHECK(ParseHostPort("0.0.0.0:65535").ok());
  CHECK(ParseHostPort("[::]:80").ok());
}

TEST_CASE("bad HOST:PORT is refused with the expected form named", "[faults]") {
  for (const char* bad : {"", "db", "db:", ":5432", "db:0", "db:65536", "db:54x", "db:-1",
                          "[::1:5432", "[nothost]:80", "300.1.1.1:80", "bad_host!:80", "-db:5432",
                          "db..internal:5432", "db:5432 "}) {
    INFO(bad);
    auto r = ParseHostPort(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("expected HOST:PORT"));
  }
  auto unbracketed = ParseHostPort("::1:5432");
  REQUIRE_FALSE(unbracketed.ok());
  CHECK_THAT(unbracketed.error().message, Catch::Contains("\"[::1]:5432\""));
}
