// A scoped SQLite write transaction: committed explicitly, rolled back otherwise.
#pragma once

#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// A `BEGIN IMMEDIATE` transaction: the write lock is taken at the start, so the reads inside
/// (e.g. the event-log head) cannot be invalidated by another process before the commit. Waits
/// for a busy database up to the busy timeout. Rolled back on destruction unless Commit()
/// succeeded. Move-only; must be destroyed before its Database. Begun while the connection has a
/// transaction open, it is a savepoint of that one: its Commit keeps its changes for the outer
/// commit, its rollback undoes only them, and the outer rollback undoes them too.
class Transaction {
 public:
  /// Starts the transaction (a savepoint inside an open one). Fails when the database stays
  /// locked past the busy timeout or when `db` is read-only.
  static Expected<Transaction> Begin(Database& db);

  /// Moves the open transaction; the moved-from object no longer owns it.
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  /// Rolls back if still open. Never throws.
  ~Transaction();

  /// Commits; with synchronous=FULL the data is on disk when this returns Ok. On failure the
  /// transaction is rolled back.
  Status Commit();

 private:
  Transaction(Database* db, bool nested) : db_(db), nested_(nested) {}

  Database* db_ = nullptr;  // null once committed, rolled back or moved from
  bool nested_ = false;     // a savepoint inside an outer transaction
};

}  // namespace firedrill
