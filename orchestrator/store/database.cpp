#include "orchestrator/store/database.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/statement.h"
#include "orchestrator/store/transaction.h"

namespace firedrill {
namespace {

// One schema step. Migrations are append-only history: never edit a released one, add the next.
struct Migration {
  int version;      // user_version after this script
  const char* sql;  // run in one transaction together with the version bump
};

constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE drills (
  id              TEXT PRIMARY KEY NOT NULL,
  title           TEXT NOT NULL,
  service         TEXT NOT NULL,
  owner           TEXT NOT NULL,
  source_file     TEXT NOT NULL,
  source_sha256   TEXT NOT NULL,
  window_start_ms INTEGER NOT NULL,
  window_end_ms   INTEGER NOT NULL,
  zone            TEXT NOT NULL,
  created_ms      INTEGER NOT NULL
);

-- The tamper-evident log. STRICT so a hash can never be stored as text or a number; seq is the
-- rowid, so reading in seq order is a plain table scan.
CREATE TABLE events (
  seq       INTEGER PRIMARY KEY,
  ts_ms     INTEGER NOT NULL,
  drill_id  TEXT NOT NULL,
  kind      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  payload   TEXT NOT NULL,
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash      BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX events_by_drill ON events (drill_id, seq);

-- Append-only by construction. Someone with write access can drop these; the hash chain then
-- shows what they changed.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;
)sql"},
    Migration{2, R"sql(
-- The fault ledger: one row per fault injection, written (and committed) BEFORE the fault is
-- applied, holding the prior state needed to undo it. A row whose status is not 'restored' is a
-- fault that may still be in place; every start of firedrill restores those first.
CREATE TABLE fault_ledger (
  id           INTEGER PRIMARY KEY,
  run_id       TEXT NOT NULL,
  drill_id     TEXT NOT NULL,
  fault_id     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  target       TEXT NOT NULL,
  drill_source TEXT NOT NULL,  -- the drill file's text, to rebuild the fault after a crash
  drill_file   TEXT NOT NULL,
  state        TEXT NOT NULL,  -- the fault's prior state (JSON), from Prepare
  status       TEXT NOT NULL CHECK (status IN ('injecting', 'injected', 'restored',
                                               'restore-failed')),
  created_ms   INTEGER NOT NULL,
  updated_ms   INTEGER NOT NULL,
  note         TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX fault_ledger_open ON fault_ledger (status) WHERE status <> 'restored';
)sql"},
    Migration{3, R"sql(
-- Signed checkpoints of the event log (checkpoint.h): event seq had hash head_hash at ts_ms,
-- signed with the state directory's Ed25519 key. Each links to the one before through prev_hash.
CREATE TABLE checkpoints (
  id        INTEGER PRIMARY KEY,
  seq       INTEGER NOT NULL CHECK (seq >= 0),
  ts_ms     INTEGER NOT NULL,
  head_hash BLOB NOT NULL CHECK (length(head_hash) = 32),
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  key_id    TEXT NOT NULL,
  signature BLOB NOT NULL CHECK (length(signature) = 64)
) STRICT;

-- Append-only, like the events.
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused');
END;
)sql"},
    Migration{4, R"sql(
-- API tokens of the daemon (token_table.h): only a SHA-256 of each token is kept; the token itself
-- is shown once, when it is made.
CREATE TABLE tokens (
  id         TEXT PRIMARY KEY NOT NULL,  -- short public id, to list and revoke by
  role       TEXT NOT NULL CHECK (role IN ('lead', 'responder', 'auditor')),
  name       TEXT NOT NULL,              -- who or what holds it
  hash       BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
) STRICT;

-- Scheduled drills (schedule_table.h): what the daemon runs and when. What happened to them
-- (scheduled, rescheduled, briefed, cancelled, ran) is in the event log; this is the working copy.
CREATE TABLE schedules (
  drill_id      TEXT PRIMARY KEY NOT NULL,
  drill_file    TEXT NOT NULL,
  drill_source  TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'done', 'cancelled')),
  sequence      INTEGER NOT NULL CHECK (sequence >= 0),  -- the calendar invite's SEQUENCE
  announced_ms  INTEGER NOT NULL,    -- when the current window was announced
  next_start_ms INTEGER NOT NULL,    -- the next (or current) occurrence of the window
  next_end_ms   INTEGER NOT NULL,
  targets       TEXT NOT NULL,       -- JSON array of where the drill breaks things
  lead_override TEXT NOT NULL DEFAULT '',  -- why a late announcement may still inject
  reminded_ms   INTEGER,             -- when the T-24h notice of the next window went out
  updated_ms    INTEGER NOT NULL
) STRICT;

CREATE INDEX schedules_by_start ON schedules (state, next_start_ms);
)sql"},
    Migration{5, R"sql(
-- The invite SEQUENCE whose chat notice (scheduled, rescheduled or cancelled) went out: a schedule
-- changed while no daemon ran is announced in chat when the daemon next starts.
ALTER TABLE schedules ADD COLUMN notified_sequence INTEGER NOT NULL DEFAULT -1;
)sql"},
    Migration{6, R"sql(
-- Blackouts declared for every drill of the state directory (a release freeze, a holiday):
-- no window may overlap one, and a drill running when one begins is halted (restored first).
CREATE TABLE blackouts (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  start_ms   INTEGER NOT NULL,
  end_ms     INTEGER NOT NULL CHECK (end_ms > start_ms),
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL
) STRICT;
)sql"},
    Migration{7, R"sql(
-- Whether a schedule's drill text mentions `repeat` (a repeating window), kept beside the text so
-- that the overlap check finds the repeating schedules by a small index instead of reading every
-- drill text. Written by ScheduleTable::Put; existing rows get it from their text here.
ALTER TABLE schedules ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0 CHECK (repeats IN (0, 1));
UPDATE schedules SET repeats = instr(drill_source, 'repeat') > 0;
CREATE INDEX schedules_repeating ON schedules (state) WHERE repeats = 1;

-- The overlap check: only the windows that end after a new one starts.
CREATE INDEX schedules_by_end ON schedules (state, next_end_ms, next_start_ms);

-- The listing (firedrill list) in its order, without reading the rows and their drill texts.
CREATE INDEX schedules_listing ON schedules (next_start_ms, drill_id, state, next_end_ms);
)sql"},
    Migration{8, R"sql(
-- Checkpoint format version 2 (checkpoint.h): the signature also covers the event count of the
-- checkpoint before (prev_seq) and the signing key's id, so deleting a checkpoint or editing its
-- key shows. The checkpoints already signed stay version 1 and verify as they did.
ALTER TABLE checkpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE checkpoints ADD COLUMN prev_seq INTEGER CHECK (prev_seq >= 0);
)sql"},
    Migration{9, R"sql(
-- Every run of a drill, from its start to its end (run_table.h), with the process running it:
-- `status` and `list` show runs in progress whichever process runs them, and whoever restores
-- the faults of a run whose process died closes it as interrupted. The record of what happened
-- is the event log; this is the working index.
CREATE TABLE runs (
  run_id     TEXT PRIMARY KEY NOT NULL,
  drill_id   TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  pid        INTEGER NOT NULL,
  pid_start  INTEGER NOT NULL,  -- the process's start time (/proc/PID/stat), 0 if unknown
  boot_id    TEXT NOT NULL,     -- the machine's boot id when it started
  ended_ms   INTEGER,           -- NULL while the run goes on
  outcome    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX runs_open ON runs (drill_id) WHERE ended_ms IS NULL;
CREATE INDEX runs_by_drill ON runs (drill_id, started_ms);

-- The processes an inject started (JSON array of {pid, pgid, start, boot_id, where}), written
-- before the inject may proceed: whoever restores the fault after a crash first makes sure none
-- of them still runs, so that an orphaned inject cannot put the fault back afterwards.
ALTER TABLE fault_ledger ADD COLUMN processes TEXT NOT NULL DEFAULT '[]';
)sql"},
    Migration{10, R"sql(
-- Freezes: while one is open (ended_ms NULL) no drill of the state directory may inject. A real
-- incident (an alert matching the operator's rule and no running drill) opens one and aborts
-- every running drill; `firedrill freeze` opens one by hand. The record of each freeze is in the
-- event log (freeze-started, freeze-thawing, freeze-ended); this table is the working state that
-- survives a restart of the daemon.
CREATE TABLE freezes (
  id          INTEGER PRIMARY KEY,
  cause       TEXT NOT NULL CHECK (cause IN ('incident', 'manual')),
  reason      TEXT NOT NULL,
  started_by  TEXT NOT NULL,
  started_ms  INTEGER NOT NULL,
  open_alerts TEXT NOT NULL DEFAULT '[]',  -- JSON array of "source/fingerprint" still firing
  thaw_ms     INTEGER NOT NULL DEFAULT 0,  -- when it ends by itself (0: not yet known)
  ended_ms    INTEGER,                     -- NULL while it holds
  ended_by    TEXT NOT NULL DEFAULT '',
  end_reason  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX freezes_open ON freezes (id) WHERE ended_ms IS NULL;
)sql"},
    Migration{11, R"sql(
-- What restoring a fault needs beyond the drill's text, so that `recover` works from any shell:
-- the plugin executables the drill's faults come from (JSON array of paths: the recorded drill
-- loads without the run's plugin search path), and the text for undoing the fault by hand that
-- the run would print (the plugin's `manual` text and the exact restore command).
ALTER TABLE fault_ledger ADD COLUMN plugins TEXT NOT NULL DEFAULT '[]';
ALTER TABLE fault_ledger ADD COLUMN manual TEXT NOT NULL DEFAULT '';
)sql"},
};

static_assert(kMigrations.back().version == Database::kLatestSchemaVersion,
              "kLatestSchemaVersion must name the last migration");

constexpr bool MigrationsAreConsecutive() {
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(MigrationsAreConsecutive(), "migration versions must be 1, 2, 3, ...");

Error NoRecordsYet(const std::filesystem::path& dir) {
  return Error{ErrorCode::kNoRecords,
               fmt::format("no records yet: {} holds no {}", dir.string(), Database::kFileName)};
}

// Reads a single-integer PRAGMA or query.
Expected<std::int64_t> QueryInt(const Database& db, std::string_view sql) {
  auto stmt = Statement::Prepare(db, sql);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return Error{fmt::format("\"{}\" returned no row ({})", sql, db.path().string())};
  return stmt->ColumnInt64(0);
}

// Makes `path` readable by its owner only: the database holds the records and the API tokens'
// hashes. SQLite creates a new database 0644 whatever the umask, and its -wal and -shm with the
// database's mode, so a missing database is created here first, 0600, and one of ours that
// others may read is narrowed. `create`: create it if missing (else a missing file is fine).
// An existing file is changed by path, never opened: closing any descriptor of the database
// drops every POSIX lock this process holds on it, the locks of the connections it already has.
Status MakePrivate(const std::filesystem::path& path, bool create) {
  if (create) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      close(fd);  // new: no connection of this process can have it open
      return Status::Ok();
    }
    if (errno != EEXIST) {
      return Error{fmt::format("cannot create {}: {}", path.string(), std::strerror(errno))};
    }
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Error{fmt::format("cannot read {}: {}", path.string(), std::strerror(errno))};
  }
  if (S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 07777) != 0600) {
    chmod(path.c_str(), 0600);  // best effort: a file we may not change stays as it is
  }
  return Status::Ok();
}

// Reads a single-text PRAGMA or query.
Expected<std::string> QueryText(const Database& db, std::string_view sql) {
  auto stmt = Statement::Prepare(db, sql);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return Error{fmt::format("\"{}\" returned no row ({})", sql, db.path().string())};
  return std::string(stmt->ColumnText(0));
}

}  // namespace

Expected<Database> Database::Open(const std::filesystem::path& state_dir, OpenMode mode) {
  if (state_dir.empty()) {
    return Error{"no state directory: pass --state DIR or set FIREDRILL_STATE or HOME"};
  }
  std::filesystem::path path = state_dir / kFileName;
  // NOMUTEX: a Database is used by one thread at a time (see database.h), so SQLite's
  // per-call connection mutex only costs time (about an eighth of Verify's).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == OpenMode::kReadOnly) {
    // Check before SQLite sees the path: nothing in a read-only command may create files.
    std::error_code ec;
    auto dir_status = std::filesystem::status(state_dir, ec);
    if (std::filesystem::exists(dir_status) && !std::filesystem::is_directory(dir_status)) {
      return Error{
          fmt::format("state directory {} exists but is not a directory", state_dir.string())};
    }
    auto file_status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(file_status)) return NoRecordsYet(state_dir);
    if (!std::filesystem::is_regular_file(file_status)) {
      return Error{fmt::format("{} is not a regular file", path.string())};
    }
    // Deliberately READWRITE without CREATE, plus query_only below: a WAL database opened
    // SQLITE_OPEN_READONLY leaves -wal and -shm files behind, whereas a read-write connection
    // removes them when it is the last to close. SQLite falls back to read-only by itself when
    // the file is not writable by us.
  } else {
    if (Status st = EnsureStateDir(state_dir); !st) return st.error();
    flags |= SQLITE_OPEN_CREATE;
    if (Status st = MakePrivate(path, true); !st) return st.error();
    for (const char* suffix : {"-wal", "-shm"}) {
      std::filesystem::path side = path;
      side += suffix;
      if (Status st = MakePrivate(side, false); !st) return st.error();
    }
  }

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return Error{fmt::format("cannot open {}: {}", path.string(), why)};
  }
  Database db(raw, std::move(path), mode);
  Status st = db.Configure();
  if (st) st = db.CheckAndMigrate();
  if (!st) {
    // Whichever statement first reads the file is where a non-database shows up; say so in
    // words rather than as SQLite's terse "file is not a database".
    int code = sqlite3_errcode(db.handle()) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return Error{fmt::format("{} is not an SQLite database (or is damaged): {}",
                               db.path().string(), sqlite3_errmsg(db.handle()))};
    }
    return st.error();
  }
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)), mode_(other.mode_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    mode_ = other.mode_;
  }
  return *this;
}

Database::~Database() {
  // close_v2 defers the close until leftover statements are finalized instead of failing.
  sqlite3_close_v2(db_);
}

Status Database::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string why = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error{fmt::format("{}: {}", path_.string(), why)};
}

Error Database::LastError(std::string_view what) const {
  return Error{fmt::format("{}: {} ({})", what, sqlite3_errmsg(db_), path_.string())};
}

Status Database::Configure() {
  sqlite3_extended_result_codes(db_, 1);
  // Another process (a running drill, `firedrill ack`) may hold the write lock for a moment;
  // waiting is always better than failing a command over it.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (mode_ == OpenMode::kReadOnly) {
    if (Status st = Exec("PRAGMA query_only = ON"); !st) return st;
  }
  // Memory-mapped reads and a larger page cache: verifying a long log is a full table scan, and
  // these cut its time by about a third (bench/event_log_bench). Durability is unaffected.
  return Exec(
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA mmap_size = 268435456; "
      "PRAGMA cache_size = -16384");
}

Status Database::CheckAndMigrate() {
  auto version = QueryInt(*this, "PRAGMA user_version");
  if (!version) return version.error();
  if (*version > kLatestSchemaVersion) {
    return Error{fmt::format(
        "{} has schema version {}, but this firedrill only knows versions up to {}; it was "
        "written by a newer firedrill, use that one (the file was not modified)",
        path_.string(), *version, kLatestSchemaVersion)};
  }
  if (*version == 0) {
    // Read the version and the schema in one snapshot: another process creating the database
    // at the same moment may commit its first migration between two separate reads, which
    // would make a brand-new firedrill database look like a foreign one.
    if (Status st = Exec("BEGIN"); !st) return Error{"reading the schema: " + st.error().message};
    auto again = QueryInt(*this, "PRAGMA user_version");
    auto objects = QueryInt(*this, "SELECT count(*) FROM sqlite_schema");
    if (Status st = Exec("COMMIT"); !st) return st;
    if (!again) return again.error();
    if (!objects) return objects.error();
    *version = *again;
    if (*version == 0 && *objects > 0) {
      return Error{fmt::format(
          "{} is an SQLite database but not a firedrill one (it has tables but no firedrill "
          "schema version); refusing to touch it",
          path_.string())};
    }
  }
  if (mode_ == OpenMode::kReadOnly) {
    if (*version == 0) return NoRecordsYet(path_.parent_path());
    if (*version < kLatestSchemaVersion) {
      return Error{fmt::format(
          "{} has schema version {}, this firedrill needs {}; any command that records (e.g. "
          "running a drill) upgrades it",
          path_.string(), *version, kLatestSchemaVersion)};
    }
    return Status::Ok();
  }

  // Only now, with the version known to be ours, change anything in the file. WAL lets readers
  // (status, report) run while a drill writes; journal_mode is persistent, so this is a no-op
  // after the first time.
  // Changing the journal mode needs an exclusive lock, and SQLite answers "database is locked"
  // there without consulting the busy handler. Several processes may create the database at
  // once, so retry for as long as the busy timeout would have waited.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (auto pause = std::chrono::milliseconds(5);;
       pause = std::min(pause * 2, std::chrono::milliseconds(200))) {
    auto mode = QueryText(*this, "PRAGMA journal_mode");
    if (mode.ok() && *mode == "wal") break;
    Status st = Exec("PRAGMA journal_mode = WAL");
    if (st.ok()) break;
    if (std::chrono::steady_clock::now() + pause > give_up) {
      return Error{"switching to WAL mode: " + st.error().message};
    }
    std::this_thread::sleep_for(pause);
  }

  for (const Migration& m : kMigrations) {
    if (m.version <= *version) continue;
    auto tx = Transaction::Begin(*this);
    if (!tx) return tx.error();
    // Another process may have migrated between our read and our write lock.
    auto now = QueryInt(*this, "PRAGMA user_version");
    if (!now) return now.error();
    if (*now >= m.version) {
      *version = *now;
      continue;  // ~Transaction rolls the empty transaction back
    }
    if (Status st = Exec(m.sql); !st) {
      return Error{
          fmt::format("schema migration to version {} failed: {}", m.version, st.error().message)};
    }
    if (Status st = Exec(fmt::format("PRAGMA user_version = {}", m.version).c_str()); !st) {
      return st;
    }
    if (Status st = tx->Commit(); !st) return st;
    *version = m.version;
  }
  return Status::Ok();
}

}  // namespace firedrill
