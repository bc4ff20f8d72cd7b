#include "tests/support/hmac_signature.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace firedrill::testing {

std::string PagerDutyV1Signature(std::string_view secret, std::string_view body) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(body.data()), body.size(), out, sizeof out,
                &len) == nullptr) {
    throw std::runtime_error("EVP_Q_mac failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string s = "v1=";
  for (size_t i = 0; i < len; ++i) {
    s += kHex[out[i] >> 4];
    s += kHex[out[i] & 15];
  }
  return s;
}

}  // namespace firedrill::testing
