#include "orchestrator/control/tls_context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509err.h>

#include <boost/asio/ip/address.hpp>
#include <system_error>

namespace firedrill {
namespace {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

constexpr long kProtocolFloor = TLS1_2_VERSION;

// A readable file, or the reason it is not, for messages that name it.
Status Readable(const fs::path& file, const char* what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Error(fmt::format("the {} {} does not exist or is not a file", what, file.string()));
  }
  return Status::Ok();
}

}  // namespace

std::string LastTlsError() {
  unsigned long code = ERR_get_error();
  std::string out;
  while (code != 0) {
    if (out.empty()) {
      char text[256];
      ERR_error_string_n(code, text, sizeof(text));
      out = text;
    }
    code = ERR_get_error();
  }
  return out.empty() ? "unknown TLS error" : out;
}

Expected<std::shared_ptr<ssl::context>> MakeServerTlsContext(const fs::path& cert_file,
                                                             const fs::path& key_file) {
  if (Status st = Readable(cert_file, "TLS certificate"); !st) return st.error();
  if (Status st = Readable(key_file, "TLS private key"); !st) return st.error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, kProtocolFloor) != 1) {
    return Error(fmt::format("cannot require TLS 1.2 or later: {}", LastTlsError()));
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use |
                   ssl::context::no_compression);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    return Error(fmt::format("cannot use {} as the TLS certificate (PEM, leaf first): {}",
                             cert_file.string(), LastTlsError()));
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return Error(fmt::format("the TLS private key {} does not belong to the certificate {}",
                               key_file.string(), cert_file.string()));
    }
    return Error(fmt::format("cannot use {} as the TLS private key (PEM, unencrypted): {}",
                             key_file.string(), LastTlsError()));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error(fmt::format("the TLS private key {} does not belong to the certificate {}",
                             key_file.string(), cert_file.string()));
  }
  return ctx;
}

Expected<std::shared_ptr<ssl::context>> MakeClientTlsContext(const TlsTrust& trust) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, kProtocolFloor) != 1) {
    return Error(fmt::format("cannot require TLS 1.2 or later: {}", LastTlsError()));
  }
  ERR_clear_error();
  if (trust.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) {
      return Error(
          fmt::format("cannot load the system's trusted certificates: {}", LastTlsError()));
    }
  } else {
    if (Status st = Readable(trust.ca_file, "trusted certificate file"); !st) return st.error();
    if (SSL_CTX_load_verify_locations(native, trust.ca_file.c_str(), nullptr) != 1) {
      return Error(fmt::format("cannot read trusted certificates from {}: {}", trust.ca_file,
                               LastTlsError()));
    }
  }
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(native);
  // A certificate in the trust file is trusted as it is, even when it is not a CA's: so a
  // server's own certificate can be pinned.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (!trust.host.empty()) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(trust.host, ec);
    int set = ec ? X509_VERIFY_PARAM_set1_host(param, trust.host.c_str(), trust.host.size())
                 : X509_VERIFY_PARAM_set1_ip_asc(param, trust.host.c_str());
    if (set != 1) {
      return Error(
          fmt::format("cannot check certificates for \"{}\": {}", trust.host, LastTlsError()));
    }
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace firedrill
