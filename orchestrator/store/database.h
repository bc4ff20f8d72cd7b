// The firedrill.db connection: opening, settings, and schema migrations.
#pragma once

#include <filesystem>
#include <string_view>
#include <utility>

#include "drills/expected.h"

// Opaque SQLite handle; callers that need the C API include <sqlite3.h> themselves.
typedef struct sqlite3 sqlite3;

namespace firedrill {

/// How a command uses the record store.
enum class OpenMode {
  /// Reads only. Creates nothing: no directory, no database, no schema, no leftover -wal/-shm
  /// files. Refuses a database whose schema is not exactly the one this build writes.
  kReadOnly,
  /// Creates the state directory (0700) and the database if missing, and migrates the schema up
  /// to the newest version this build knows.
  kReadWrite,
};

/// One connection to `<state_dir>/firedrill.db`. Move-only; the connection is closed on
/// destruction (a moved-from Database holds none). Statements, transactions and EventLogs that
/// use a Database must be destroyed before it.
///
/// Threading: a Database may be used by one thread at a time. Give each thread (and each
/// process) its own Database; SQLite's file locking then serialises writers across them, and a
/// writer that finds the database busy waits up to kBusyTimeout instead of failing.
class Database {
 public:
  /// The database file's name inside the state directory.
  static constexpr std::string_view kFileName = "firedrill.db";
  /// The newest schema version (PRAGMA user_version) this build knows and migrates to.
  static constexpr int kLatestSchemaVersion = 11;
  /// How long a statement waits for another connection's lock before failing with "busy".
  static constexpr int kBusyTimeoutMs = 10'000;

  /// Opens the database in `state_dir`. Errors (never exceptions), each naming the path:
  ///  - kReadOnly and the directory or the file is missing: "no records yet: <dir> holds no
  ///    firedrill.db" (nothing is created);
  ///  - the file is not an SQLite database, or an SQLite database that firedrill did not create;
  ///  - the schema is newer than this build knows (names both versions; the file is not
  ///    modified), or, in kReadOnly, older (a kReadWrite open upgrades it);
  ///  - a migration fails (it is rolled back; the file keeps its previous version);
  ///  - I/O or permission problems.
  /// kReadWrite sets journal_mode=WAL; both modes set synchronous=FULL, foreign_keys=ON and the
  /// busy timeout. kReadWrite creates the file with mode 0600 whatever the umask (SQLite gives
  /// its -wal and -shm the database's mode), and narrows to 0600 a database, -wal or -shm of ours
  /// that others may read (left by an earlier version).
  static Expected<Database> Open(const std::filesystem::path& state_dir, OpenMode mode);

  /// Moves the connection; the moved-from Database holds none (handle() is null).
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  /// Closes the connection (deferred by SQLite until leftover statements are finalized).
  ~Database();

  /// The raw connection, owned by this object; valid until it is destroyed or moved from.
  sqlite3* handle() const { return db_; }
  /// The database file's path.
  const std::filesystem::path& path() const { return path_; }
  /// The mode it was opened in.
  OpenMode mode() const { return mode_; }

  /// Runs one or more SQL statements that return no rows of interest. Fails with the SQLite
  /// message and the database path.
  Status Exec(const char* sql);

  /// Builds an Error "<what>: <sqlite message> (<db path>)" from the connection's last error.
  Error LastError(std::string_view what) const;

 private:
  Database(sqlite3* db, std::filesystem::path path, OpenMode mode)
      : db_(db), path_(std::move(path)), mode_(mode) {}

  Status Configure();
  Status CheckAndMigrate();

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  OpenMode mode_ = OpenMode::kReadOnly;
};

}  // namespace firedrill
