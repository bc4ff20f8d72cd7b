#include "orchestrator/store/token_table.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <span>

#include "orchestrator/store/statement.h"
#include "orchestrator/store/transaction.h"

namespace firedrill {
namespace {

constexpr std::size_t kIdBytes = 4;       // 8 hex digits
constexpr std::size_t kSecretBytes = 32;  // 64 hex digits
// A new id that collides with an existing one is drawn again; with 2^32 ids and a handful of
// tokens, needing more than a few draws means the generator is broken.
constexpr int kIdAttempts = 16;

constexpr std::string_view kColumns = "id, role, name, created_ms, revoked_ms";

SysTime FromMs(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

SysTime Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Appends N bytes from OpenSSL's CSPRNG to `hex` as 2N lowercase hex digits, then wipes the raw
// bytes.
template <std::size_t N>
Status AppendRandomHex(std::string* hex) {
  std::array<unsigned char, N> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Error{"cannot make an API token: the random number generator failed"};
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    hex->push_back(kDigits[b >> 4]);
    hex->push_back(kDigits[b & 0xf]);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return Status::Ok();
}

// Reads a row of kColumns. A role the CHECK constraint would not have let in reads as auditor,
// the least privileged one.
TokenRecord ReadToken(const Statement& row) {
  TokenRecord t;
  t.id = row.ColumnText(0);
  t.role = ParseRole(row.ColumnText(1)).value_or(Role::kAuditor);
  t.name = row.ColumnText(2);
  t.created = FromMs(row.ColumnInt64(3));
  if (sqlite3_column_type(row.handle(), 4) != SQLITE_NULL) t.revoked = FromMs(row.ColumnInt64(4));
  return t;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kLead:
      return "lead";
    case Role::kResponder:
      return "responder";
    case Role::kAuditor:
      return "auditor";
  }
  return "auditor";  // unreachable: every enumerator is handled above
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kLead, Role::kResponder, Role::kAuditor}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

bool RoleAllows(Role have, Role need) {
  // The enumerators are ordered from most to least privileged.
  return static_cast<int>(have) <= static_cast<int>(need);
}

Status TokenTable::CheckName(std::string_view name) {
  if (name.size() > kMaxNameBytes) {
    return Error{fmt::format("a token name may have at most {} bytes; this one has {}",
                             kMaxNameBytes, name.size())};
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Error{"a token name may not hold control characters (newlines, tabs, ...)"};
    }
  }
  return Status::Ok();
}

Expected<Hash256> TokenTable::HashOf(std::string_view token) {
  if (!hasher_) {
    auto created = Sha256::Create();
    if (!created) return created.error();
    hasher_.emplace(std::move(*created));
  }
  Hash256 hash;
  if (!hasher_->Hash(std::span(reinterpret_cast<const unsigned char*>(token.data()), token.size()),
                     &hash)) {
    return Error{"SHA-256 failed inside OpenSSL"};
  }
  return hash;
}

Expected<std::pair<TokenRecord, std::string>> TokenTable::Create(Role role, std::string name) {
  if (Status st = CheckName(name); !st) return st.error();
  // IMMEDIATE: no other process can take the id we picked between our check and our insert.
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error();

  std::string id;
  for (int attempt = 0;; ++attempt) {
    if (attempt == kIdAttempts) {
      return Error{
          fmt::format("cannot make an API token: {} random ids in a row were taken", kIdAttempts)};
    }
    id.clear();
    if (Status st = AppendRandomHex<kIdBytes>(&id); !st) return st.error();
    auto taken = Get(id);
    if (!taken) return taken.error();
    if (!*taken) break;
  }

  std::string token = fmt::format("{}{}_", kPrefix, id);
  if (Status st = AppendRandomHex<kSecretBytes>(&token); !st) return st.error();
  auto hash = HashOf(token);
  if (!hash) return hash.error();

  TokenRecord record{id, role, std::move(name), Now(), std::nullopt};
  auto insert = Statement::Prepare(
      db_, "INSERT INTO tokens (id, role, name, hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert) return insert.error();
  for (Status st :
       {insert->Bind(1, record.id), insert->Bind(2, RoleName(role)), insert->Bind(3, record.name),
        insert->BindBlob(4, *hash), insert->Bind(5, record.created.time_since_epoch().count())}) {
    if (!st) return st.error();
  }
  if (Status st = insert->Run(); !st) return st.error();
  if (Status st = tx->Commit(); !st) return st.error();
  return std::pair(std::move(record), std::move(token));
}

Expected<std::vector<TokenRecord>> TokenTable::List() {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM tokens ORDER BY created_ms, id", kColumns));
  if (!stmt) return stmt.error();
  std::vector<TokenRecord> tokens;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    tokens.push_back(ReadToken(*stmt));
  }
  return tokens;
}

Expected<std::optional<TokenRecord>> TokenTable::Get(std::string_view id) {
  auto stmt = Statement::Prepare(db_, fmt::format("SELECT {} FROM tokens WHERE id = ?1", kColumns));
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, id); !st) return st.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(ReadToken(*stmt));
}

Status TokenTable::Revoke(std::string_view id) {
  // Only an unrevoked token changes, so a second revocation keeps the first time.
  auto stmt = Statement::Prepare(
      db_, "UPDATE tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, id), stmt->Bind(2, Now().time_since_epoch().count())}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  if (sqlite3_changes(db_.handle()) > 0) return Status::Ok();
  auto existing = Get(id);
  if (!existing) return existing.error();
  if (!*existing) return Error{fmt::format("no API token has the id \"{}\"", id)};
  return Status::Ok();  // already revoked
}

Expected<std::optional<TokenRecord>> TokenTable::Authenticate(std::string_view token) {
  if (token.empty()) return std::optional<TokenRecord>();
  // Looked up by SHA-256 of the presented token, never by comparing token text. The lookup's
  // time depends only on how the presented hash compares with the stored hashes (how far the
  // UNIQUE index's B-tree search and memcmp get). SHA-256 turns any change to the secret into
  // unrelated hash bytes, so that timing tells an attacker nothing about how close a guess came
  // to a secret; learning a stored hash (the most it could leak) does not give the token either.
  // With respect to the secret, the check is therefore as good as constant-time.
  auto hash = HashOf(token);
  if (!hash) return hash.error();
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM tokens WHERE hash = ?1 AND revoked_ms IS NULL", kColumns));
  if (!stmt) return stmt.error();
  if (Status st = stmt->BindBlob(1, *hash); !st) return st.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(ReadToken(*stmt));
}

}  // namespace firedrill
