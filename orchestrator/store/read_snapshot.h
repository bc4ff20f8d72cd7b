// One consistent read of several tables: a deferred transaction that always ends.
#pragma once

#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// A read snapshot of `db` (BEGIN ... COMMIT): every statement between Begin() and destruction
/// sees the same state, even while other processes append. Holds a reference to `db`, which must
/// outlive it. Must not be used while another transaction is open on `db`.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  /// Ends the snapshot if Begin() started one.
  ~ReadSnapshot() {
    if (open_) (void)db_.Exec("COMMIT");
  }
  /// Starts the snapshot; fails only if SQLite does.
  Status Begin() {
    Status st = db_.Exec("BEGIN");
    open_ = st.ok();
    return st;
  }

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace firedrill
