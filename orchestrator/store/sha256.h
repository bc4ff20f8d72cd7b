// SHA-256 through OpenSSL's EVP interface, set up once and reused: the event-log chain hashes
// every event on append and again on verify, so per-digest setup cost matters.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "drills/expected.h"

// Opaque OpenSSL types; only sha256.cpp includes the OpenSSL headers.
typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace firedrill {

/// A SHA-256 digest.
using Hash256 = std::array<unsigned char, 32>;

/// Returns `bytes` as lowercase hex digits, two per byte: how records write digests, keys and
/// signatures (FromHex in record_text.h reads them back).
std::string Hex(std::span<const unsigned char> bytes);

/// Returns the SHA-256 of `text` as 64 lowercase hex digits, with a hasher made for this one
/// digest: for one-off digests (a drill file's text, a label). Fails only as Create() and Hash()
/// do.
Expected<std::string> Sha256Hex(std::string_view text);

/// A reusable SHA-256 hasher. Owns one fetched EVP_MD and one EVP_MD_CTX, freed on destruction.
/// Move-only. Not thread-safe: use one instance per thread.
class Sha256 {
 public:
  /// Fetches the SHA-256 implementation. Fails only when OpenSSL is broken or misconfigured
  /// (no provider offers SHA-256, or out of memory); the Error says which step failed.
  static Expected<Sha256> Create();

  /// Moves the hasher; the moved-from object holds nothing and must not Hash().
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  /// Frees the OpenSSL objects.
  ~Sha256();

  /// Hashes `data` into `*out`. Returns false only if OpenSSL reports a failure (then `*out` is
  /// unspecified); callers turn that into an Error.
  [[nodiscard]] bool Hash(std::span<const unsigned char> data, Hash256* out);

 private:
  Sha256(EVP_MD* md, EVP_MD_CTX* ctx) : md_(md), ctx_(ctx) {}

  EVP_MD* md_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
};

}  // namespace firedrill
