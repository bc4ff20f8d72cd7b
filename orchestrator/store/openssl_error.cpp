#include "orchestrator/store/openssl_error.h"

#include <openssl/err.h>

namespace firedrill {

std::string OpenSslReason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no reason given";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

}  // namespace firedrill
