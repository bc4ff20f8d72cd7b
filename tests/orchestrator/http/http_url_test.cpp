#include "orchestrator/http/http_url.h"

#include <catch2/catch.hpp>
#include <string>

namespace firedrill {
namespace {

HttpUrl Parsed(std::string_view url) {
  Expected<HttpUrl> parsed = ParseHttpUrl(url);
  INFO(url);
  REQUIRE(parsed.ok());
  return *parsed;
}

std::string Failure(std::string_view url) {
  Expected<HttpUrl> parsed = ParseHttpUrl(url);
  INFO(url);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

TEST_CASE("webhook URLs with and without port, path and query parse", "[http]") {
  HttpUrl slack = Parsed("https://hooks.slack.com/services/T000/B000/XXXX");
  CHECK(slack.tls);
  CHECK(slack.host == "hooks.slack.com");
  CHECK(slack.port == 443);
  CHECK(slack.target == "/services/T000/B000/XXXX");
  CHECK(slack.Origin() == "https://hooks.slack.com");
  CHECK(slack.HostHeader() == "hooks.slack.com");

  HttpUrl local = Parsed("http://127.0.0.1:8080/hook?team=sre&x=1#fragment");
  CHECK_FALSE(local.tls);
  CHECK(local.host == "127.0.0.1");
  CHECK(local.port == 8080);
  CHECK(local.target == "/hook?team=sre&x=1");
  CHECK(local.Origin() == "http://127.0.0.1:8080");

  HttpUrl bare = Parsed("HTTP://chat.example.com");
  CHECK_FALSE(bare.tls);
  CHECK(bare.port == 80);
  CHECK(bare.target == "/");

  CHECK(Parsed("http://chat.example.com?x=1").target == "/?x=1");
  CHECK(Parsed("https://chat.example.com:443/").HostHeader() == "chat.example.com");
  CHECK(Parsed("http://chat.example.com:/a").port == 80);
  CHECK(Parsed("http://under_score.internal/a").host == "under_score.internal");
}

TEST_CASE("webhook URLs with IPv6 addresses keep the brackets out of the host", "[http]") {
  HttpUrl v6 = Parsed("http://[::1]:9000/hook");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 9000);
  CHECK(v6.HostHeader() == "[::1]:9000");
  CHECK(v6.Origin() == "http://[::1]:9000");
  CHECK(Parsed("https://[2001:db8::7]/x").HostHeader() == "[2001:db8::7]");
}

TEST_CASE("bad webhook URLs fail with the reason and the URL without its secret", "[http]") {
  std::string e = Failure("ftp://example.com/services/secret-token");
  CHECK(e == "bad webhook URL \"ftp://example.com/…\": it must start with http:// or https://");
  CHECK(Failure("hooks.slack.com/services/secret-token") ==
        "bad webhook URL \"hooks.slack.com/…\": it must start with http:// or https://");
  CHECK(Failure("https:///secret-token").find("it has no host") != std::string::npos);
  CHECK(Failure("https://").find("it has no host") != std::string::npos);
  CHECK(Failure("http://example.com:0/x").find("port \"0\" is not a number from 1 to 65535") !=
        std::string::npos);
  CHECK(Failure("http://example.com:65536/x").find("port \"65536\"") != std::string::npos);
  CHECK(Failure("http://example.com:8o/x").find("port \"8o\"") != std::string::npos);
  CHECK(Failure("http://example.com:-1/x").find("port \"-1\"") != std::string::npos);
  CHECK(Failure("http://exa mple.com/x").find("space or a control character") != std::string::npos);
  CHECK(Failure("http://example.com/x\ny").find("space or a control character") !=
        std::string::npos);
  CHECK(Failure("http://::1/x").find("IPv6 address goes in brackets") != std::string::npos);
  CHECK(Failure("http://[::1/x").find("no closing ']'") != std::string::npos);
  CHECK(Failure("http://[nonsense]/x").find("is not an IPv6 address") != std::string::npos);
  CHECK(Failure("http://[::1]x/x").find("text follows the IPv6 address") != std::string::npos);
  CHECK(Failure("http://exämple.com/x").find("letters, digits") != std::string::npos);

  std::string creds = Failure("https://bot:hunter2@hooks.example.com/secret-token");
  CHECK(creds ==
        "bad webhook URL \"https://…@hooks.example.com/…\": user names and passwords in the URL "
        "are not supported");
}

TEST_CASE("redacted URLs keep the origin only", "[http]") {
  CHECK(RedactUrl("https://hooks.slack.com/services/T/B/secret") == "https://hooks.slack.com/…");
  CHECK(RedactUrl("https://hooks.slack.com?token=secret") == "https://hooks.slack.com/…");
  CHECK(RedactUrl("http://a:b@host:81#frag") == "http://…@host:81/…");
  CHECK(RedactUrl("http://host:81") == "http://host:81");
  CHECK(RedactUrl("") == "");
}

TEST_CASE("webhook URLs keep percent-encoded paths as written and refuse a path after a port",
          "[http]") {
  CHECK(Parsed("http://h.example/a%20b/c?q=%2F&r=1#frag").target == "/a%20b/c?q=%2F&r=1");
  CHECK(Parsed("http://h.example:8080").target == "/");
  // Boost.URL 1.81 alone reads this as port 8 and a path "o/x"; RFC 3986 does not.
  CHECK(Failure("http://h.example:8o").find("port \"8o\"") != std::string::npos);
  CHECK(Failure("http://h.example/%zz").find("bad webhook URL") != std::string::npos);
}

}  // namespace
}  // namespace firedrill
