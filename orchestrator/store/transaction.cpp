#include "orchestrator/store/transaction.h"

#include <sqlite3.h>

#include <utility>

namespace firedrill {

Expected<Transaction> Transaction::Begin(Database& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    // Inside an open transaction (which holds the write lock already): a savepoint, so that this
    // part commits or rolls back with the outer one.
    if (Status st = db.Exec("SAVEPOINT nested"); !st) return st.error();
    return Transaction(&db, true);
  }
  if (Status st = db.Exec("BEGIN IMMEDIATE"); !st) return st.error();
  return Transaction(&db, false);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), nested_(other.nested_) {}

Transaction::~Transaction() {
  // Some errors (e.g. SQLITE_FULL) roll back on their own; only roll back what is still open.
  if (db_ != nullptr && sqlite3_get_autocommit(db_->handle()) == 0) {
    sqlite3_exec(db_->handle(), nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK",
                 nullptr, nullptr, nullptr);
  }
}

Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) return Error{"internal error: commit of a finished transaction"};
  if (nested_) return db->Exec("RELEASE nested");
  Status st = db->Exec("COMMIT");
  if (!st && sqlite3_get_autocommit(db->handle()) == 0) {
    sqlite3_exec(db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return st;
}

}  // namespace firedrill
