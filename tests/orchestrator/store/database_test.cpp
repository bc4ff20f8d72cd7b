#include "orchestrator/store/database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/statement.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

using firedrill::testing::ReadFile;

std::set<std::string> Listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

// Runs SQL on the file with a plain SQLite connection, bypassing firedrill.
void RawExec(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  INFO((message != nullptr ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::int64_t QueryInt(Database& db, const char* sql) {
  auto stmt = Statement::Prepare(db, sql);
  REQUIRE(stmt.ok());
  auto row = stmt->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return stmt->ColumnInt64(0);
}

std::string QueryText(Database& db, const char* sql) {
  auto stmt = Statement::Prepare(db, sql);
  REQUIRE(stmt.ok());
  auto row = stmt->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return std::string(stmt->ColumnText(0));
}

TEST_CASE("read-only open of a missing state dir creates nothing", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "state";
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.error().message, Catch::StartsWith("no records yet: ") &&
                                     Catch::Contains(dir.string()) &&
                                     Catch::Contains("firedrill.db"));
  CHECK(db.error().code == ErrorCode::kNoRecords);  // what callers decide on, not the text
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("read-only open of an empty state dir creates nothing", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.error().message, Catch::StartsWith("no records yet"));
  CHECK(db.error().code == ErrorCode::kNoRecords);
  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("read-write open creates a private state dir and the current schema", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "nested" / "state";
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK(db->path() == dir / "firedrill.db");
  CHECK(fs::is_regular_file(dir / "firedrill.db"));
  struct stat st {};
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(QueryInt(*db, "PRAGMA user_version") == Database::kLatestSchemaVersion);
  CHECK(QueryInt(*db,
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                 "('drills', 'events')") == 2);
  CHECK(QueryInt(*db,
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                 "('fault_ledger', 'checkpoints')") == 2);
  // events and checkpoints: no UPDATE, no DELETE.
  CHECK(QueryInt(*db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'") == 4);
  CHECK(QueryInt(*db,
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                 "name = 'events_by_drill'") == 1);
}

TEST_CASE("connections use WAL, synchronous=FULL, foreign keys and a busy timeout", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK(QueryText(*db, "PRAGMA journal_mode") == "wal");
  CHECK(QueryInt(*db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(QueryInt(*db, "PRAGMA foreign_keys") == 1);
  CHECK(QueryInt(*db, "PRAGMA busy_timeout") == Database::kBusyTimeoutMs);
}

TEST_CASE("reopening keeps the data and does not migrate again", "[store]") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(
        db->Exec("INSERT INTO drills VALUES ('d1', 't', 's', 'o', 'f', 'h', 1, 2, 'UTC', 3)").ok());
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK(QueryInt(*db, "SELECT count(*) FROM drills") == 1);
}

TEST_CASE("read-only open of an existing database leaves the state dir as it was", "[store]") {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
  }
  auto before = Listing(tmp.path());
  std::string bytes = ReadFile(tmp.path() / "firedrill.db");
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
    REQUIRE(db.ok());
    CHECK(QueryInt(*db, "SELECT count(*) FROM events") == 0);
    Status write = db->Exec(
        "INSERT INTO drills VALUES ('d', 't', 's', 'o', 'f', 'h', 1, 2, "
        "'UTC', 3)");
    CHECK_FALSE(write.ok());
  }
  CHECK(Listing(tmp.path()) == before);
  CHECK(ReadFile(tmp.path() / "firedrill.db") == bytes);
}

TEST_CASE("a file of random bytes is refused, naming the file", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "firedrill.db";
  std::mt19937 rng(42);
  std::string junk(8192, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  std::ofstream(file, std::ios::binary) << junk;

  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto db = Database::Open(tmp.path(), mode);
    REQUIRE_FALSE(db.ok());
    CHECK_THAT(db.error().message,
               Catch::Contains(file.string()) && Catch::Contains("not an SQLite database"));
  }
  CHECK(ReadFile(file) == junk);
  CHECK(Listing(tmp.path()) == std::set<std::string>{"firedrill.db"});
}

TEST_CASE("a database from a newer firedrill is refused and left byte-for-byte unchanged",
          "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "firedrill.db";
  RawExec(file, "CREATE TABLE future (x); INSERT INTO future VALUES (1); PRAGMA user_version = 99");
  std::string bytes = ReadFile(file);

  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto db = Database::Open(tmp.path(), mode);
    REQUIRE_FALSE(db.ok());
    CHECK_THAT(db.error().message,
               Catch::Contains(file.string()) && Catch::Contains("schema version 99") &&
                   Catch::Contains("up to " + std::to_string(Database::kLatestSchemaVersion)));
  }
  CHECK(ReadFile(file) == bytes);
  CHECK(Listing(tmp.path()) == std::set<std::string>{"firedrill.db"});
}

TEST_CASE("an SQLite database that firedrill did not create is refused", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "firedrill.db";
  RawExec(file, "CREATE TABLE someone_elses (x)");
  std::string bytes = ReadFile(file);
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.error().message, Catch::Contains("not a firedrill one"));
  CHECK(ReadFile(file) == bytes);
}

TEST_CASE("read-only open of an empty firedrill.db reports no records yet", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "firedrill.db";
  RawExec(file, "PRAGMA user_version = 0");
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.error().message, Catch::StartsWith("no records yet"));
  CHECK(db.error().code == ErrorCode::kNoRecords);
}

TEST_CASE("a state path that is a file is refused in both modes", "[store]") {
  TempDir tmp;
  fs::path not_dir = tmp.path() / "state";
  std::ofstream(not_dir) << "x";
  for (OpenMode mode : {OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    auto db = Database::Open(not_dir, mode);
    REQUIRE_FALSE(db.ok());
    CHECK_THAT(db.error().message, Catch::Contains("not a directory"));
  }
}

TEST_CASE("a moved-from database is empty and the moved-to one works", "[store]") {
  TempDir tmp;
  auto opened = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(opened.ok());
  Database db = std::move(*opened);
  CHECK(opened->handle() == nullptr);  // NOLINT(bugprone-use-after-move): checking the contract
  CHECK(QueryInt(db, "SELECT count(*) FROM events") == 0);
}

TEST_CASE("several processes creating the database at once all succeed", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "state";
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto opened = Database::Open(dir, OpenMode::kReadWrite);
      if (!opened.ok()) std::fprintf(stderr, "child: %s\n", opened.error().ToString().c_str());
      _exit(opened.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  CHECK(QueryInt(*db, "PRAGMA user_version") == Database::kLatestSchemaVersion);
}

// Runs `script` with python3's sqlite3 module in another process (a fresh program, as a reader
// like the sqlite3 shell or `firedrill ack` is), with the database file as argv[1]; returns its
// exit status.
int RunPythonOn(const fs::path& db, const char* script) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execlp("python3", "python3", "-c", script, db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

TEST_CASE(
    "a second connection opened in a process keeps the first one's locks: another process "
    "closing its connection does not take the WAL away from under it",
    "[store]") {
  // The engine writes through a writer thread with a connection of its own, opened after the
  // engine's. Closing any descriptor of the database file drops every POSIX lock the process
  // holds on it; another process then thinks it closes the last connection, checkpoints and
  // deletes the -wal, and everything the first process writes afterwards is invisible to others.
  TempDir tmp;
  fs::path dir = tmp.path() / "state";
  auto first = Database::Open(dir, OpenMode::kReadWrite);
  REQUIRE(first.ok());
  REQUIRE(first->Exec("CREATE TABLE t(x INTEGER)"));
  auto second = Database::Open(dir, OpenMode::kReadWrite);
  REQUIRE(second.ok());
  const fs::path file = dir / "firedrill.db";
  REQUIRE(RunPythonOn(file,
                      "import sqlite3, sys\n"
                      "c = sqlite3.connect(sys.argv[1])\n"
                      "c.execute('SELECT count(*) FROM sqlite_master').fetchall()\n"
                      "c.close()\n") == 0);
  CHECK(fs::exists(dir / "firedrill.db-wal"));
  // What the first connection writes now is seen by a connection of another process.
  REQUIRE(first->Exec("INSERT INTO t VALUES (42)"));
  CHECK(RunPythonOn(file,
                    "import sqlite3, sys\n"
                    "c = sqlite3.connect(sys.argv[1])\n"
                    "n = c.execute('SELECT count(*) FROM t').fetchone()[0]\n"
                    "sys.exit(0 if n == 1 else 1)\n") == 0);
}

TEST_CASE("schema 7 upgrades a schema 6 database: repeats from the drill texts, new indexes",
          "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "firedrill.db";
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
  }
  // Turn it back into what version 6 wrote, with three schedules in it.
  RawExec(file,
          "DROP INDEX schedules_repeating; DROP INDEX schedules_by_end; "
          "DROP INDEX schedules_listing; ALTER TABLE schedules DROP COLUMN repeats; "
          "DROP TABLE runs; DROP TABLE freezes; ALTER TABLE fault_ledger DROP COLUMN processes; "
          "ALTER TABLE fault_ledger DROP COLUMN plugins; "
          "ALTER TABLE fault_ledger DROP COLUMN manual; "
          "ALTER TABLE checkpoints DROP COLUMN version; "
          "ALTER TABLE checkpoints DROP COLUMN prev_seq; "
          "INSERT INTO schedules (drill_id, drill_file, drill_source, state, sequence, "
          "announced_ms, next_start_ms, next_end_ms, targets, updated_ms) VALUES "
          "('weekly', 'w.toml', 'id = \"weekly\"\nrepeat = \"FREQ=WEEKLY\"\n', 'scheduled', 0, "
          "1, 1000, 2000, '[\"local\"]', 1), "
          "('once', 'o.toml', 'id = \"once\"\n', 'scheduled', 0, 1, 5000, 6000, '[\"local\"]', 1), "
          "('gone', 'g.toml', 'repeat = \"FREQ=DAILY\"', 'cancelled', 1, 1, 1000, 2000, '[]', 1); "
          "PRAGMA user_version = 6");
  // A reader refuses the old schema and leaves it alone.
  auto old = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE_FALSE(old.ok());
  CHECK_THAT(old.error().message, Catch::Contains("schema version 6"));

  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  CHECK(QueryInt(*db, "PRAGMA user_version") == Database::kLatestSchemaVersion);
  CHECK(QueryInt(*db, "SELECT repeats FROM schedules WHERE drill_id = 'weekly'") == 1);
  CHECK(QueryInt(*db, "SELECT repeats FROM schedules WHERE drill_id = 'once'") == 0);
  CHECK(QueryInt(*db, "SELECT repeats FROM schedules WHERE drill_id = 'gone'") == 1);
  CHECK(QueryInt(*db,
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                 "('schedules_repeating', 'schedules_by_end', 'schedules_listing')") == 3);
  // The overlap check still finds the repeating schedule far from the window, and the
  // overlapping one; not the cancelled one.
  ScheduleTable table(*db);
  auto may = table.MayOverlap(SysTime(std::chrono::milliseconds(5500)),
                              SysTime(std::chrono::milliseconds(5600)), "");
  REQUIRE(may.ok());
  REQUIRE(may->size() == 2);
  CHECK((*may)[0].drill_id == "weekly");
  CHECK((*may)[1].drill_id == "once");
  // The rows kept everything else.
  auto once = table.Get("once");
  REQUIRE(once.ok());
  REQUIRE(once->has_value());
  CHECK((*once)->drill_source == "id = \"once\"\n");
  CHECK((*once)->targets == std::vector<std::string>{"local"});
  auto listing = table.Listing();
  REQUIRE(listing.ok());
  REQUIRE(listing->size() == 3);
  CHECK((*listing)[2].drill_id == "once");
}

TEST_CASE("the overlap check and the listing read by index, not every row", "[store]") {
  TempDir tmp;
  auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
  REQUIRE(db.ok());
  auto plan = [&](const char* sql) {
    auto stmt = Statement::Prepare(*db, std::string("EXPLAIN QUERY PLAN ") + sql);
    REQUIRE(stmt.ok());
    std::string text;
    for (;;) {
      auto row = stmt->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      text += std::string(stmt->ColumnText(3)) + "\n";
    }
    return text;
  };
  std::string overlap = plan(
      "SELECT drill_source FROM schedules WHERE rowid IN (SELECT rowid FROM schedules WHERE state "
      "IN ('scheduled', 'running') AND next_end_ms > 1 AND next_start_ms < 2 UNION ALL SELECT "
      "rowid FROM schedules WHERE repeats = 1 AND state IN ('scheduled', 'running')) AND "
      "drill_id <> 'x' ORDER BY next_start_ms, drill_id");
  INFO(overlap);
  CHECK_THAT(overlap, Catch::Contains("schedules_by_end"));
  CHECK_THAT(overlap, Catch::Contains("schedules_repeating"));
  std::string listing = plan(
      "SELECT s.drill_id, d.title, d.service, d.zone, s.state, s.next_start_ms, s.next_end_ms "
      "FROM schedules s LEFT JOIN drills d ON d.id = s.drill_id ORDER BY s.next_start_ms, "
      "s.drill_id");
  INFO(listing);
  CHECK_THAT(listing, Catch::Contains("COVERING INDEX schedules_listing"));
  CHECK_THAT(listing, !Catch::Contains("TEMP B-TREE"));
}

}  // namespace
}  // namespace firedrill
