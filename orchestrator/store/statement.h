// A prepared SQLite statement with RAII and Expected-returning steps.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/store/database.h"

typedef struct sqlite3_stmt sqlite3_stmt;

namespace firedrill {

/// One prepared statement on a Database. Move-only; finalized on destruction. Must be destroyed
/// before its Database. Same threading rule as the Database: one thread at a time.
///
/// Parameter and column indexes follow SQLite: parameters from 1, columns from 0.
class Statement {
 public:
  /// Compiles `sql` (a single statement). Fails with the SQLite message and the SQL text.
  static Expected<Statement> Prepare(const Database& db, std::string_view sql);

  /// Moves the statement; the moved-from object holds none. Copying is not allowed.
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  /// Finalizes the statement.
  ~Statement();

  /// Binders. Text and blobs are copied by SQLite, so the arguments need not outlive the call.
  /// They fail only on a bad index or out of memory.
  Status Bind(int index, std::int64_t value);
  Status Bind(int index, std::string_view text);
  Status BindBlob(int index, std::span<const unsigned char> bytes);

  /// Advances: true when a row is available, false when the statement is done. A busy database
  /// is waited for (busy timeout) before this fails.
  Expected<bool> Step();

  /// Steps a statement expected to return no row (INSERT, UPDATE, ...) to completion.
  Status Run();

  /// Makes the statement ready to run again; bindings are kept until rebound.
  void Reset();

  /// Column readers for the current row. The views point into SQLite's memory and stay valid
  /// only until the next Step(), Reset() or destruction. NULL reads as 0 / empty.
  std::int64_t ColumnInt64(int column) const;
  std::string_view ColumnText(int column) const;
  std::span<const unsigned char> ColumnBlob(int column) const;

  /// The raw statement, for calls this class does not wrap.
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  Statement(sqlite3_stmt* stmt, const Database* db) : stmt_(stmt), db_(db) {}

  sqlite3_stmt* stmt_ = nullptr;
  const Database* db_ = nullptr;
};

}  // namespace firedrill
