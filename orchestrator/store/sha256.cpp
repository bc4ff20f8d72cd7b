#include "orchestrator/store/sha256.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>
#include <utility>

#include "orchestrator/store/openssl_error.h"

namespace firedrill {

std::string Hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

Expected<std::string> Sha256Hex(std::string_view text) {
  auto hasher = Sha256::Create();
  if (!hasher.ok()) return hasher.error();
  Hash256 digest{};
  if (!hasher->Hash({reinterpret_cast<const unsigned char*>(text.data()), text.size()}, &digest)) {
    return Error("SHA-256 failed: " + OpenSslReason());
  }
  return Hex(digest);
}

Expected<Sha256> Sha256::Create() {
  // Fetching explicitly (rather than EVP_sha256()) resolves the provider once, not per digest.
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) return Error{"cannot load SHA-256 from OpenSSL: " + OpenSslReason()};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) {
    EVP_MD_free(md);
    return Error{"cannot allocate an OpenSSL digest context: " + OpenSslReason()};
  }
  return Sha256(md, ctx);
}

Sha256::Sha256(Sha256&& other) noexcept
    : md_(std::exchange(other.md_, nullptr)), ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
    md_ = std::exchange(other.md_, nullptr);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

bool Sha256::Hash(std::span<const unsigned char> data, Hash256* out) {
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_, out->data(), &len) != 1 || len != out->size()) {
    ERR_clear_error();
    return false;
  }
  return true;
}

}  // namespace firedrill
