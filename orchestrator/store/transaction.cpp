#include "orchestrator/store/transaction.h"

#include <sqlite3.h>

#include <utility>

namespace firedrill {

Expected<Transaction> Transaction::Begin(Database& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    return Error{"internal error: a transaction is already open on " + db.path().string()};
  }
  if (Status st = db.Exec("BEGIN IMMEDIATE"); !st) return st.error();
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  // Some errors (e.g. SQLITE_FULL) roll back on their own; only roll back what is still open.
  if (db_ != nullptr && sqlite3_get_autocommit(db_->handle()) == 0) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Transaction::Commit() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) return Error{"internal error: commit of a finished transaction"};
  Status st = db->Exec("COMMIT");
  if (!st && sqlite3_get_autocommit(db->handle()) == 0) {
    sqlite3_exec(db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return st;
}

}  // namespace firedrill
