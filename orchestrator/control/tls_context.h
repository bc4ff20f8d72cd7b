// TLS for the control API: the server's certificate and key, and what a client trusts. Built on
// Boost.Asio's OpenSSL contexts; TLS 1.2 or later only.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "drills/expected.h"

namespace firedrill {

/// A server context: the certificate chain in `cert_file` (PEM, leaf first) and its private key
/// in `key_file` (PEM, unencrypted), TLS 1.2 or later. Fails with an Error naming the file that
/// cannot be read or parsed, and when the key does not belong to the certificate.
Expected<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::filesystem::path& cert_file, const std::filesystem::path& key_file);

/// What a client trusts when it talks TLS to the API.
struct TlsTrust {
  /// PEM file of trusted certificates; empty: the system's trust store. A server's own
  /// (self-signed or CA-issued) certificate may be given: it is trusted as it is (pinned).
  std::string ca_file;
  /// The name the certificate must carry (DNS name or IP address, RFC 2818 / RFC 6125); empty:
  /// not checked, which is only right when `ca_file` pins the server's own certificate.
  std::string host;
};

/// A client context that verifies the server's certificate against `trust`, TLS 1.2 or later.
/// Fails with an Error naming `trust.ca_file` when it cannot be read.
Expected<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(const TlsTrust& trust);

/// The text of the last OpenSSL error on this thread (and clears the queue), for messages.
std::string LastTlsError();

}  // namespace firedrill
