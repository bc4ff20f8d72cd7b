#include "orchestrator/alerts/webhook_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <optional>

namespace firedrill {
namespace {

using Digest = std::array<unsigned char, 32>;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decodes one "v1=<hex>" entry; nullopt for another version or a malformed digest.
std::optional<Digest> DecodeV1(std::string_view entry) {
  entry = Trim(entry);
  if (entry.substr(0, 3) != "v1=") return std::nullopt;
  entry.remove_prefix(3);
  if (entry.size() != 64) return std::nullopt;
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    int hi = HexValue(entry[2 * i]);
    int lo = HexValue(entry[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return d;
}

std::optional<Digest> HmacSha256(std::string_view key, std::string_view body) {
  Digest d{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(body.data()), body.size(), d.data(),
           &len) == nullptr ||
      len != d.size()) {
    return std::nullopt;
  }
  return d;
}

}  // namespace

bool VerifyPagerDutySignature(std::string_view body, std::string_view header,
                              const std::vector<std::string>& secrets) {
  std::vector<Digest> expected;
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    if (auto d = HmacSha256(secret, body)) expected.push_back(*d);
  }
  bool ok = false;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view entry = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::optional<Digest> sig = DecodeV1(entry);
    if (!sig) continue;
    // No early exit: every candidate is compared, whatever matched before.
    for (const Digest& want : expected) {
      ok |= CRYPTO_memcmp(sig->data(), want.data(), want.size()) == 0;
    }
  }
  return ok;
}

bool TokensEqual(std::string_view a, std::string_view b) {
  Digest da{}, db{};
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da.data());
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db.data());
  bool same = CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
  return same && !a.empty() && !b.empty();
}

}  // namespace firedrill

namespace firedrill {

TokenDigest DigestToken(std::string_view token) {
  TokenDigest d{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

bool TokenMatches(std::string_view presented, const TokenDigest& expected) {
  TokenDigest d = DigestToken(presented);
  return CRYPTO_memcmp(d.data(), expected.data(), d.size()) == 0 && !presented.empty();
}

}  // namespace firedrill
