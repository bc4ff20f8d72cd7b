// Self-signed certificates for tests of TLS, made in-process with OpenSSL (no CLI needed).
#pragma once

#include <filesystem>
#include <string>

namespace firedrill::testing {

/// A certificate and its private key, as PEM files.
struct TestCertificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// Writes `dir/NAME.crt` and `dir/NAME.key`: a fresh P-256 key and a self-signed certificate
/// valid from a minute ago for a day, with subject CN=`name` and the subjectAltName `san`
/// (OpenSSL syntax, e.g. "IP:127.0.0.1,DNS:localhost"). Fails the test on any OpenSSL error.
TestCertificate MakeTestCertificate(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& san);

}  // namespace firedrill::testing
