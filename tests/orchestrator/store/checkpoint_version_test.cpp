// Checkpoint format versions: version 2 signs the event count of the checkpoint before and the
// key's id; version 1 checkpoints, signed before schema 8, keep verifying as they did, and the
// next checkpoint links to them.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/signing_key.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using testing::TamperSql;
using testing::TempDir;

std::vector<Event> Events(const fs::path& state, int first, int last) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  std::vector<NewEvent> batch;
  for (int i = first; i <= last; ++i) {
    batch.push_back({"drill-a", "step", "orchestrator", "{\"step\":" + std::to_string(i) + "}",
                     SysTime(std::chrono::milliseconds(1'000 * i))});
  }
  REQUIRE(EventLog(*db).AppendBatch(batch).ok());
  std::vector<Event> all;
  REQUIRE(EventLog(*db)
              .ForEach([&](const Event& e) {
                all.push_back(e);
                return true;
              })
              .ok());
  return all;
}

RecordsReport VerifyWithKey(const fs::path& state, const SigningKey& key) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto report = VerifyRecords(*db, &key);
  INFO((report.ok() ? "" : report.error().message));
  REQUIRE(report.ok());
  return *report;
}

std::string Blob(const std::vector<unsigned char>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0x0f];
  }
  return "X'" + hex + "'";
}

std::string Blob(const Hash256& h) { return Blob(std::vector<unsigned char>(h.begin(), h.end())); }

TEST_CASE("version 2 signs the event count before it and the key id", "[checkpoint]") {
  Checkpoint cp;
  cp.id = 2;
  cp.seq = 9;
  cp.prev_seq = 4;
  cp.key_id = std::string(64, 'a');
  std::vector<unsigned char> v2 = CheckpointMessage(cp);
  CHECK(v2.size() == 152);
  CHECK(std::string(v2.begin(), v2.begin() + 24) == "firedrill checkpoint v2\n");
  Checkpoint other_count = cp;
  other_count.prev_seq = 5;
  CHECK(CheckpointMessage(other_count) != v2);
  Checkpoint other_key = cp;
  other_key.key_id = std::string(64, 'b');
  CHECK(CheckpointMessage(other_key) != v2);

  Checkpoint v1 = cp;
  v1.version = kCheckpointV1;
  std::vector<unsigned char> old = CheckpointMessage(v1);
  CHECK(old.size() == 112);
  CHECK(std::string(old.begin(), old.begin() + 24) == "firedrill checkpoint v1\n");
  v1.prev_seq = 7;
  v1.key_id = "anything";
  CHECK(CheckpointMessage(v1) == old);  // neither is signed in version 1
}

TEST_CASE("version 1 checkpoints of a schema 7 database still verify and are linked to",
          "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  std::vector<Event> events = Events(state, 1, 6);
  auto key = SigningKey::LoadOrCreate(state);
  REQUIRE(key.ok());
  // Two checkpoints as firedrill signed them before schema 8.
  std::vector<Checkpoint> old(2);
  auto sha = Sha256::Create();
  REQUIRE(sha.ok());
  std::string sql;
  for (std::size_t i = 0; i < 2; ++i) {
    Checkpoint& cp = old[i];
    cp.version = kCheckpointV1;
    cp.id = static_cast<std::int64_t>(i) + 1;
    cp.seq = 3 * cp.id;
    cp.ts = SysTime(std::chrono::milliseconds(10'000 * cp.id));
    cp.head_hash = events[static_cast<std::size_t>(cp.seq) - 1].hash;
    if (i > 0) REQUIRE(CheckpointHash(old[0], *sha, &cp.prev_hash));
    cp.key_id = key->id();
    auto sig = key->Sign(CheckpointMessage(cp));
    REQUIRE(sig.ok());
    cp.signature.assign(sig->begin(), sig->end());
    sql +=
        "INSERT INTO checkpoints (id, seq, ts_ms, head_hash, prev_hash, key_id, signature) "
        "VALUES (" +
        std::to_string(cp.id) + ", " + std::to_string(cp.seq) + ", " +
        std::to_string(cp.ts.time_since_epoch().count()) + ", " + Blob(cp.head_hash) + ", " +
        Blob(cp.prev_hash) + ", '" + cp.key_id + "', " + Blob(cp.signature) + ");";
  }
  // The table as schema 7 had it, holding them.
  TamperSql(state,
            "ALTER TABLE checkpoints DROP COLUMN version; ALTER TABLE checkpoints DROP COLUMN "
            "prev_seq; DROP TABLE runs; DROP TABLE freezes; "
            "ALTER TABLE fault_ledger DROP COLUMN processes; "
            "ALTER TABLE fault_ledger DROP COLUMN plugins; ALTER TABLE fault_ledger DROP COLUMN "
            "manual; " +
                sql + "PRAGMA user_version = 7;");
  auto read_only = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE_FALSE(read_only.ok());  // an old schema is migrated by a writer first
  {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
  }
  RecordsReport before = VerifyWithKey(state, *key);
  CHECK(before.ok());
  CHECK(before.checkpoints.verified == 2);
  CHECK(before.checkpoints.last_verified->version == kCheckpointV1);

  // The next checkpoint is version 2 and links to the last version 1 one.
  Events(state, 7, 8);
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  auto next = WriteCheckpoint(*db, state);
  REQUIRE(next.ok());
  CHECK(next->version == kCheckpointV2);
  CHECK(next->prev_seq == 6);
  Hash256 link{};
  REQUIRE(CheckpointHash(old[1], *sha, &link));
  CHECK(next->prev_hash == link);
  RecordsReport after = VerifyWithKey(state, *key);
  CHECK(after.ok());
  CHECK(after.checkpoints.verified == 3);

  SECTION(
      "an edited key_id of a version 1 checkpoint shows, though its signature does not cover "
      "it") {
    TamperSql(state, "UPDATE checkpoints SET key_id = '" + std::string(64, 'c') + "' WHERE id = 1");
    RecordsReport r = VerifyWithKey(state, *key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 1);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 1's key_id was edited: it names "
                                                      "key cccccccccccccccc"));
  }
  SECTION("a version 2 checkpoint relabelled version 1 is refused") {
    TamperSql(state, "UPDATE checkpoints SET version = 1 WHERE id = 3");
    RecordsReport r = VerifyWithKey(state, *key);
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 3 was altered or forged"));
  }
  SECTION("a version 1 checkpoint after a version 2 one is a downgrade") {
    Events(state, 9, 10);
    REQUIRE(WriteCheckpoint(*db, state).ok());
    TamperSql(state, "UPDATE checkpoints SET version = 1 WHERE id = 4");
    RecordsReport r = VerifyWithKey(state, *key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 4);
    CHECK_THAT(r.checkpoints.problem,
               Catch::Contains("checkpoint 4 is version 1 after a version 2"));
  }
  SECTION("a version 2 checkpoint whose prev_seq was edited does not verify") {
    TamperSql(state, "UPDATE checkpoints SET prev_seq = 5 WHERE id = 3");
    RecordsReport r = VerifyWithKey(state, *key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 3);
  }
}

}  // namespace
}  // namespace firedrill
