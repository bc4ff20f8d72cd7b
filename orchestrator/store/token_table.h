// The tokens table: API tokens of the daemon's HTTP API, each with a role. Only a SHA-256 of a
// token is stored; the token itself exists once, in the answer to Create.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

/// What the holder of a token may do. Each role includes everything the ones after it may do.
enum class Role {
  kLead,       ///< schedule, cancel, abort, brief; and everything a responder may
  kResponder,  ///< acknowledge detection and recovery, add notes; and everything an auditor may
  kAuditor,    ///< read only: list, status, records, metrics
};

/// Returns the role's name as stored and typed: "lead", "responder" or "auditor".
std::string_view RoleName(Role role);

/// Returns the role named `name` (exactly as RoleName spells it), or nullopt for anything else.
std::optional<Role> ParseRole(std::string_view name);

/// True iff a holder of role `have` may do what needs role `need`: lead ⊇ responder ⊇ auditor.
bool RoleAllows(Role have, Role need);

/// A token as the store knows it: everything but the token (and its hash).
struct TokenRecord {
  std::string id;  ///< 8 lowercase hex digits; public, to list and revoke by
  Role role = Role::kAuditor;
  std::string name;                ///< who or what holds it; may be empty
  SysTime created;                 ///< when it was made (UTC, milliseconds)
  std::optional<SysTime> revoked;  ///< when it was revoked; a revoked token never authenticates
};

/// Reads and writes the tokens table of one Database. Holds a reference to `db`, which must
/// outlive it. Same threading rule as the Database (one thread at a time).
///
/// A token reads `fdt_<id>_<secret>`: the 8-hex-digit id, then 32 random bytes (OpenSSL
/// RAND_bytes) as 64 lowercase hex digits. The table keeps SHA-256 of the whole token text.
class TokenTable {
 public:
  /// How a token starts; lets secret scanners and humans recognise one.
  static constexpr std::string_view kPrefix = "fdt_";
  /// The longest name Create accepts, in bytes.
  static constexpr std::size_t kMaxNameBytes = 200;

  explicit TokenTable(Database& db) : db_(db) {}

  /// Returns Ok iff Create accepts `name`: at most kMaxNameBytes bytes and no control
  /// characters; else an Error saying which rule it breaks. Pure; thread-safe.
  static Status CheckName(std::string_view name);

  /// Makes a new token with `role` for `name` and stores its hash. Returns the record and the
  /// token text, which is not kept anywhere: the caller shows it once. Fails (nothing stored) on
  /// a name longer than kMaxNameBytes or holding control characters, a read-only database, a
  /// database busy past the timeout, or a failing random number generator. Must not be called
  /// while a transaction is open on the Database.
  Expected<std::pair<TokenRecord, std::string>> Create(Role role, std::string name);

  /// Returns every token, revoked ones included, ordered by creation time, then id.
  Expected<std::vector<TokenRecord>> List();

  /// Returns the token with this id, or nullopt if there is none.
  Expected<std::optional<TokenRecord>> Get(std::string_view id);

  /// Revokes the token with this id from now on. Revoking a revoked token changes nothing (it
  /// keeps its first revocation time) and succeeds. Fails if there is no such token, on a
  /// read-only database, or on a database busy past the timeout.
  Status Revoke(std::string_view id);

  /// Returns the record of the unrevoked token whose text is exactly `token`, or nullopt when
  /// there is none (unknown, altered, revoked, or empty). An Error means the table could not be
  /// read, never that the token is bad. Works on a read-only database.
  Expected<std::optional<TokenRecord>> Authenticate(std::string_view token);

 private:
  Expected<Hash256> HashOf(std::string_view token);

  Database& db_;
  std::optional<Sha256> hasher_;  // created on first use, then reused
};

}  // namespace firedrill
