// The Ed25519 key that signs checkpoints of the event log, kept in the state directory as a PEM
// file readable only by its owner. Verifying needs only the public half, which an auditor can get
// through a separate channel (`firedrill records pubkey`).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "drills/expected.h"

// Opaque OpenSSL type; only signing_key.cpp includes the OpenSSL headers.
typedef struct evp_pkey_st EVP_PKEY;

namespace firedrill {

/// An Ed25519 signature.
using Signature = std::array<unsigned char, 64>;

/// An Ed25519 key pair, or only its public half. Move-only; the OpenSSL key is freed on
/// destruction. Signing and verifying do not change the object; concurrent use from several
/// threads is safe (each call uses its own OpenSSL context).
class SigningKey {
 public:
  /// The private key's file name inside the state directory (PKCS#8 PEM, mode 0600).
  static constexpr std::string_view kFileName = "checkpoint-key.pem";

  /// Loads the private key from `<state_dir>/checkpoint-key.pem`, creating it first if it does
  /// not exist (mode 0600, written to a temporary file and linked into place, so concurrent
  /// creators end up with the same key). The state directory must exist. Refuses (naming the
  /// file) a key file that is not a regular file, is readable or writable by group or others,
  /// or does not hold an Ed25519 private key.
  static Expected<SigningKey> LoadOrCreate(const std::filesystem::path& state_dir);

  /// Loads the private key from `<state_dir>/checkpoint-key.pem` without creating anything:
  /// nullopt if there is no such file. Errors (naming the file) as in LoadOrCreate, except that
  /// loose permissions are accepted (verifying only derives the public key).
  static Expected<std::optional<SigningKey>> LoadFromStateDir(
      const std::filesystem::path& state_dir);

  /// Loads a public key from a PEM file ("-----BEGIN PUBLIC KEY-----", as printed by
  /// PublicKeyPem). Fails, naming `file`, if it cannot be read or holds no Ed25519 public key.
  static Expected<SigningKey> LoadPublicKeyFile(const std::filesystem::path& file);

  /// Parses a public key PEM; `source` names where it came from in errors.
  static Expected<SigningKey> FromPublicKeyPem(std::string_view pem, std::string_view source);

  /// Moves the key; the moved-from object holds none and must not be used.
  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  /// Frees the OpenSSL key.
  ~SigningKey();

  /// True iff this holds the private half (and so can Sign).
  bool has_private_key() const { return has_private_; }

  /// The key's id: 64 lowercase hex digits, the SHA-256 of the raw 32-byte public key. Stored
  /// with every checkpoint so a mismatch names both keys.
  const std::string& id() const { return id_; }

  /// The public key as PEM (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"), readable by
  /// `openssl pkey -pubin` and common crypto libraries.
  const std::string& PublicKeyPem() const { return public_pem_; }

  /// Signs `message`. Fails if this holds no private key or OpenSSL fails.
  Expected<Signature> Sign(std::span<const unsigned char> message) const;

  /// Returns true iff `signature` is a valid Ed25519 signature of `message` by this key. A
  /// signature of the wrong length is simply invalid.
  bool Verify(std::span<const unsigned char> message,
              std::span<const unsigned char> signature) const;

 private:
  SigningKey(EVP_PKEY* key, bool has_private, std::string id, std::string public_pem)
      : key_(key),
        has_private_(has_private),
        id_(std::move(id)),
        public_pem_(std::move(public_pem)) {}
  // Takes ownership of `key`; computes the id and the public PEM.
  static Expected<SigningKey> Wrap(EVP_PKEY* key, bool has_private, std::string_view source);
  // Reads a private key PEM file; with `require_private_mode`, refuses group/other access.
  static Expected<SigningKey> LoadPrivateFile(const std::filesystem::path& file,
                                              bool require_private_mode);

  EVP_PKEY* key_ = nullptr;
  bool has_private_ = false;
  std::string id_;
  std::string public_pem_;
};

/// Returns the public key PEM of the state directory's checkpoint key. Creates nothing; fails,
/// naming the file, if there is no key yet (it is created with the first checkpoint) or it
/// cannot be read.
Expected<std::string> ExportPublicKey(const std::filesystem::path& state_dir);

}  // namespace firedrill
