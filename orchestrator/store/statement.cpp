#include "orchestrator/store/statement.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace firedrill {

Expected<Statement> Statement::Prepare(const Database& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc =
      sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return db.LastError(fmt::format("cannot prepare \"{}\"", sql));
  }
  return Statement(stmt, &db);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::Bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    return db_->LastError(fmt::format("cannot bind parameter {}", index));
  }
  return Status::Ok();
}

Status Statement::Bind(int index, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    return db_->LastError(fmt::format("cannot bind parameter {}", index));
  }
  return Status::Ok();
}

Status Statement::BindBlob(int index, std::span<const unsigned char> bytes) {
  // A zero-length blob must still be a blob, not NULL; sqlite3_bind_blob64 binds NULL for a null
  // pointer, so give it a valid one.
  static constexpr unsigned char kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  if (sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    return db_->LastError(fmt::format("cannot bind parameter {}", index));
  }
  return Status::Ok();
}

Expected<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->LastError(fmt::format("cannot run \"{}\"", sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  auto row = Step();
  if (!row) return row.error();
  // Make the statement reusable and release its read snapshot right away.
  sqlite3_reset(stmt_);
  return Status::Ok();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

std::int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::ColumnText(int column) const {
  // text() before bytes(): SQLite's documented order for getting a pointer and its length.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(size)};
}

std::span<const unsigned char> Statement::ColumnBlob(int column) const {
  const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (blob == nullptr) return {};
  return {blob, static_cast<std::size_t>(size)};
}

}  // namespace firedrill
