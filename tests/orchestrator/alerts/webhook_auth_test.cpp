#include "orchestrator/alerts/webhook_auth.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/hmac_signature.h"

namespace firedrill {
namespace {

// The expected signature, computed through OpenSSL's EVP_MAC interface (the code under test
// uses the HMAC() one-shot).
std::string V1(std::string_view secret, std::string_view body) {
  return testing::PagerDutyV1Signature(secret, body);
}

const std::string kBody =
    R"({"event":{"id":"01DEN3F4PJJQ8WVZ2FHMGSQAAA","event_type":"incident.triggered"}})";

TEST_CASE("pagerduty signature matches the RFC 4231 HMAC-SHA256 test vector", "[alerts]") {
  std::string header = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(VerifyPagerDutySignature("what do ya want for nothing?", header, {"Jefe"}));
  CHECK(V1("Jefe", "what do ya want for nothing?") == header);
}

TEST_CASE("pagerduty signature with the right secret verifies", "[alerts]") {
  CHECK(VerifyPagerDutySignature(kBody, V1("s3cret", kBody), {"s3cret"}));
}

TEST_CASE("pagerduty signature rejects a wrong secret, a changed body and no header", "[alerts]") {
  CHECK_FALSE(VerifyPagerDutySignature(kBody, V1("other", kBody), {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody + " ", V1("s3cret", kBody), {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, "", {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, V1("s3cret", kBody), {}));
}

TEST_CASE("pagerduty signature accepts any of several comma-separated signatures", "[alerts]") {
  std::string header = V1("old", kBody) + "," + V1("new", kBody);
  CHECK(VerifyPagerDutySignature(kBody, header, {"new"}));
  CHECK(VerifyPagerDutySignature(kBody, header, {"old"}));
  CHECK(VerifyPagerDutySignature(kBody, V1("old", kBody) + ", " + V1("new", kBody), {"new"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, header, {"neither"}));
}

TEST_CASE("pagerduty signature accepts any of several configured secrets", "[alerts]") {
  CHECK(VerifyPagerDutySignature(kBody, V1("second", kBody), {"first", "second", "third"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, V1("fourth", kBody), {"first", "second"}));
}

TEST_CASE("pagerduty signature ignores malformed entries, other versions and empty secrets",
          "[alerts]") {
  std::string good = V1("s3cret", kBody);
  std::string hex = good.substr(3);
  CHECK(VerifyPagerDutySignature(kBody, "v0=abc,garbage,," + good, {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, "v2=" + hex, {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, hex, {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, good.substr(0, good.size() - 2), {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, "v1=" + std::string(64, 'z'), {"s3cret"}));
  CHECK_FALSE(VerifyPagerDutySignature(kBody, V1("", kBody), {""}));
}

TEST_CASE("pagerduty signature accepts uppercase hex digits", "[alerts]") {
  std::string good = V1("s3cret", kBody);
  std::string upper = "v1=";
  for (char c : good.substr(3)) upper += static_cast<char>(c >= 'a' ? c - 32 : c);
  CHECK(VerifyPagerDutySignature(kBody, upper, {"s3cret"}));
}

TEST_CASE("tokens equal only when identical and non-empty", "[alerts]") {
  CHECK(TokensEqual("Bearer abc123", "Bearer abc123"));
  CHECK_FALSE(TokensEqual("Bearer abc123", "Bearer abc124"));
  CHECK_FALSE(TokensEqual("abc", "abcd"));
  CHECK_FALSE(TokensEqual("", ""));
  CHECK_FALSE(TokensEqual("abc", ""));
  CHECK(TokensEqual(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  CHECK_FALSE(TokensEqual(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST_CASE("a token matches the digest of the configured one exactly as TokensEqual says",
          "[alerts]") {
  const TokenDigest secret = DigestToken("alert-secret");
  for (std::string_view presented : {"alert-secret", "alert-secreT", "alert-secret ", "", "a"}) {
    INFO(presented);
    CHECK(TokenMatches(presented, secret) == TokensEqual(presented, "alert-secret"));
  }
  CHECK(TokenMatches("alert-secret", secret));
  CHECK_FALSE(TokenMatches("", DigestToken("")));  // an empty token never authenticates
}

}  // namespace
}  // namespace firedrill
