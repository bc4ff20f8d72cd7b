// Ed25519 through OpenSSL's EVP interface; the key file is created atomically with mode 0600.
#include "orchestrator/store/signing_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <system_error>
#include <utility>

#include "orchestrator/store/openssl_error.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// Key files are a few hundred bytes; anything much larger is not one.
constexpr std::uintmax_t kMaxKeyFileSize = 64 * 1024;

std::string Errno() { return std::generic_category().message(errno); }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// Reads a small file whole; fails naming it.
Expected<std::string> ReadSmallFile(const fs::path& file) {
  std::error_code ec;
  auto status = fs::status(file, ec);
  if (ec || !fs::exists(status))
    return Error{fmt::format("cannot read {}: no such file", file.string())};
  if (!fs::is_regular_file(status))
    return Error{fmt::format("{} is not a regular file", file.string())};
  if (fs::file_size(file, ec) > kMaxKeyFileSize) {
    return Error{fmt::format("{} is too large to be a key file", file.string())};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read {}: {}", file.string(), Errno())};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{fmt::format("cannot read {}: {}", file.string(), Errno())};
  return text;
}

Expected<PkeyPtr> ParsePrivatePem(const std::string& pem, const fs::path& file) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{"out of memory reading " + file.string()};
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return Error{fmt::format("{} holds no PEM private key: {}", file.string(), OpenSslReason())};
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return Error{fmt::format("{} holds a private key that is not Ed25519", file.string())};
  }
  return key;
}

// Writes a fresh Ed25519 key to `file` unless one appears there first. Never replaces a key:
// the new key goes to a private temporary file that is hard-linked into place, and link() fails
// if another process got there first (then its key is used).
Status CreateKeyFile(const fs::path& file) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Error{"cannot generate an Ed25519 key: " + OpenSslReason()};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error{"cannot encode the new checkpoint key: " + OpenSslReason()};
  }
  std::string pem = BioText(bio.get());

  fs::path tmp = file;
  // Unique per process and call: concurrent creators each write their own file.
  tmp += fmt::format(".{}.{:08x}.tmp", getpid(), std::random_device()());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Error{fmt::format("cannot create {}: {}", tmp.string(), Errno())};
  bool written = fchmod(fd, 0600) == 0;  // whatever the umask
  for (std::size_t done = 0; written && done < pem.size();) {
    ssize_t n = write(fd, pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      written = false;
    else
      done += static_cast<std::size_t>(n);
  }
  written = written && fsync(fd) == 0;
  std::string why = written ? "" : Errno();
  close(fd);
  if (!written) {
    unlink(tmp.c_str());
    return Error{fmt::format("cannot write {}: {}", tmp.string(), why)};
  }
  int rc = link(tmp.c_str(), file.c_str());
  int link_errno = errno;
  unlink(tmp.c_str());
  if (rc != 0 && link_errno != EEXIST) {
    return Error{fmt::format("cannot create {}: {}", file.string(),
                             std::generic_category().message(link_errno))};
  }
  // Make the new directory entry durable too: a checkpoint signed with a key that vanishes in a
  // crash could never be verified.
  int dir = open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return Status::Ok();
}

}  // namespace

Expected<SigningKey> SigningKey::LoadPrivateFile(const fs::path& file, bool require_private_mode) {
  if (require_private_mode) {
    struct stat st {};
    if (lstat(file.c_str(), &st) != 0) {
      return Error{fmt::format("cannot read {}: {}", file.string(), Errno())};
    }
    if (!S_ISREG(st.st_mode)) return Error{fmt::format("{} is not a regular file", file.string())};
    if ((st.st_mode & 077) != 0) {
      return Error{fmt::format(
          "{} is accessible by group or others (mode {:04o}); the checkpoint key must be private: "
          "chmod 600 {}",
          file.string(), st.st_mode & 07777, file.string())};
    }
  }
  auto pem = ReadSmallFile(file);
  if (!pem) return pem.error();
  auto key = ParsePrivatePem(*pem, file);
  if (!key) return key.error();
  return Wrap(key->release(), true, file.string());
}

Expected<SigningKey> SigningKey::Wrap(EVP_PKEY* raw, bool has_private, std::string_view source) {
  PkeyPtr key(raw);
  unsigned char pub[32];
  std::size_t pub_len = sizeof pub;
  if (EVP_PKEY_get_raw_public_key(key.get(), pub, &pub_len) != 1 || pub_len != sizeof pub) {
    return Error{fmt::format("cannot read the public key of {}: {}", source, OpenSslReason())};
  }
  auto sha = Sha256::Create();
  if (!sha) return sha.error();
  Hash256 id{};
  if (!sha->Hash(std::span<const unsigned char>(pub, pub_len), &id)) {
    return Error{"SHA-256 failed inside OpenSSL"};
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return Error{fmt::format("cannot encode the public key of {}: {}", source, OpenSslReason())};
  }
  return SigningKey(key.release(), has_private, Hex(id), BioText(bio.get()));
}

Expected<SigningKey> SigningKey::LoadOrCreate(const fs::path& state_dir) {
  fs::path file = state_dir / kFileName;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) {
    if (Status st = CreateKeyFile(file); !st) return st.error();
  }
  return LoadPrivateFile(file, /*require_private_mode=*/true);
}

Expected<std::optional<SigningKey>> SigningKey::LoadFromStateDir(const fs::path& state_dir) {
  fs::path file = state_dir / kFileName;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) return std::optional<SigningKey>();
  auto key = LoadPrivateFile(file, /*require_private_mode=*/false);
  if (!key) return key.error();
  return std::optional<SigningKey>(std::move(*key));
}

Expected<SigningKey> SigningKey::LoadPublicKeyFile(const fs::path& file) {
  auto pem = ReadSmallFile(file);
  if (!pem) return pem.error();
  return FromPublicKeyPem(*pem, file.string());
}

Expected<SigningKey> SigningKey::FromPublicKeyPem(std::string_view pem, std::string_view source) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{fmt::format("out of memory reading {}", source)};
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return Error{fmt::format(
        "{} holds no PEM public key (expected \"-----BEGIN PUBLIC KEY-----\", as printed by "
        "firedrill records pubkey)",
        source)};
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return Error{fmt::format("{} holds a public key that is not Ed25519", source)};
  }
  return Wrap(key.release(), false, source);
}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)),
      has_private_(std::exchange(other.has_private_, false)),
      id_(std::move(other.id_)),
      public_pem_(std::move(other.public_pem_)) {}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
    has_private_ = std::exchange(other.has_private_, false);
    id_ = std::move(other.id_);
    public_pem_ = std::move(other.public_pem_);
  }
  return *this;
}

SigningKey::~SigningKey() { EVP_PKEY_free(key_); }

Expected<Signature> SigningKey::Sign(std::span<const unsigned char> message) const {
  if (!has_private_) return Error{"cannot sign with a public key"};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Signature sig{};
  std::size_t len = sig.size();
  // Ed25519 hashes internally: no digest is named, and only the one-shot call is supported.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    return Error{"Ed25519 signing failed inside OpenSSL: " + OpenSslReason()};
  }
  return sig;
}

bool SigningKey::Verify(std::span<const unsigned char> message,
                        std::span<const unsigned char> signature) const {
  if (signature.size() != std::tuple_size_v<Signature>) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  ERR_clear_error();  // a bad signature leaves a reason queued; it is not an OpenSSL failure
  return ok;
}

Expected<std::string> ExportPublicKey(const fs::path& state_dir) {
  auto key = SigningKey::LoadFromStateDir(state_dir);
  if (!key) return key.error();
  if (!*key) {
    return Error{fmt::format(
        "no checkpoint key yet: {} holds no {} (it is created with the first checkpoint)",
        state_dir.string(), SigningKey::kFileName)};
  }
  return (*key)->PublicKeyPem();
}

}  // namespace firedrill
