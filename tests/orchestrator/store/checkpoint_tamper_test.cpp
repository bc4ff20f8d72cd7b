// Tampering with a copy of a checkpointed firedrill.db the way someone with write access could
// (a plain SQLite connection, triggers dropped): every kind of change, truncation included, makes
// VerifyRecords fail and name the first bad event; the original stays intact.
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
using testing::StepEvents;
using testing::TempDir;

// 20 events; checkpoints after events 5, 10 and 15; events 16-20 not yet covered.
class CheckpointedRecords {
 public:
  CheckpointedRecords() {
    for (int i = 0; i < 4; ++i) {
      auto db = Database::Open(original(), OpenMode::kReadWrite);
      REQUIRE(db.ok());
      REQUIRE(EventLog(*db).AppendBatch(StepEvents(5 * i + 1, 5 * i + 5)).ok());
      if (i < 3) REQUIRE(WriteCheckpoint(*db, original()).ok());
    }
    auto key = SigningKey::LoadFromStateDir(original());
    REQUIRE(key.ok());
    REQUIRE(key->has_value());
    key_.emplace(std::move(**key));
    // The copy under attack: the database only, as an auditor would receive it.
    fs::create_directories(copy());
    fs::copy_file(original() / "firedrill.db", copy() / "firedrill.db");
  }

  fs::path original() const { return tmp_.path() / "original"; }
  fs::path copy() const { return tmp_.path() / "copy"; }
  const SigningKey& key() const { return *key_; }

  // The SQL a forger who knows the encoding runs to give event `seq` of the copy a new payload
  // and recompute every hash after it: the chain is consistent again.
  std::string RewriteFrom(std::int64_t seq, const std::string& payload) {
    return testing::RewriteEventsSql(copy(), seq, payload);
  }

  void Tamper(const std::string& sql) { testing::TamperSql(copy(), sql); }

  RecordsReport Verify(const fs::path& state) {
    auto db = Database::Open(state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto report = VerifyRecords(*db, &*key_);
    INFO((report.ok() ? "" : report.error().message));
    REQUIRE(report.ok());
    return *report;
  }

  // Verifies the copy, expecting it to fail at `seq` with `problem`; the original must still pass.
  RecordsReport ExpectBad(std::int64_t seq, const std::string& problem) {
    RecordsReport r = Verify(copy());
    std::string all;
    for (const std::string& p : r.Problems()) all += p + "\n";
    INFO(all);
    CHECK_FALSE(r.ok());
    REQUIRE(r.FirstBadSeq().has_value());
    CHECK(*r.FirstBadSeq() == seq);
    CHECK_THAT(all, Catch::Contains(problem));
    CHECK(Verify(original()).ok());
    return r;
  }

 private:
  TempDir tmp_;
  std::optional<SigningKey> key_;
};

TEST_CASE("the untouched copy verifies, with five events not yet covered", "[checkpoint]") {
  CheckpointedRecords f;
  RecordsReport r = f.Verify(f.copy());
  CHECK(r.ok());
  CHECK(r.chain.events_checked == 20);
  CHECK(r.checkpoints.verified == 3);
  CHECK(r.checkpoints.last_verified->seq == 15);
  CHECK(r.EventsNotCovered() == 5);
}

TEST_CASE("tamper with a checkpointed copy: an edit names the edited event", "[checkpoint]") {
  CheckpointedRecords f;
  f.Tamper("UPDATE events SET payload = '{\"step\":99}' WHERE seq = 7");
  f.ExpectBad(7, "event 7 was altered: hash mismatch");
}

TEST_CASE("tamper with a checkpointed copy: a deletion names the missing event", "[checkpoint]") {
  CheckpointedRecords f;
  f.Tamper("DELETE FROM events WHERE seq = 7");
  f.ExpectBad(7, "event 7 missing (deleted?)");
}

TEST_CASE("tamper with a checkpointed copy: a reorder names the first moved event",
          "[checkpoint]") {
  CheckpointedRecords f;
  f.Tamper(
      "CREATE TEMP TABLE saved AS SELECT * FROM events WHERE seq IN (6, 8);"
      "UPDATE events SET (ts_ms, drill_id, kind, actor, payload, prev_hash, hash) = "
      "  (SELECT ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM saved "
      "   WHERE saved.seq = 14 - events.seq) WHERE seq IN (6, 8);");
  f.ExpectBad(6, "chain broken at event 6");
}

TEST_CASE("tamper with a checkpointed copy: an insertion names the inserted event",
          "[checkpoint]") {
  CheckpointedRecords f;
  f.Tamper(
      "UPDATE events SET seq = -seq WHERE seq >= 7;"
      "UPDATE events SET seq = -seq + 1 WHERE seq < 0;"
      "INSERT INTO events VALUES (7, 6500, 'drill-a', 'step', 'orchestrator', '{}', "
      "zeroblob(32), zeroblob(32));");
  f.ExpectBad(7, "chain broken at event 7");
}

TEST_CASE(
    "tamper with a checkpointed copy: truncation below a checkpoint names the first "
    "missing event",
    "[checkpoint]") {
  CheckpointedRecords f;
  SECTION("into the last checkpoint's range") {
    f.Tamper("DELETE FROM events WHERE seq >= 13");
    RecordsReport r = f.ExpectBad(13, "events 13..15 missing (truncated?)");
    CHECK(r.chain.ok);  // the chain alone cannot see it
    CHECK(r.checkpoints.bad_checkpoint == 3);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("the log ends at event 12"));
  }
  SECTION("exactly to an earlier checkpoint") {
    f.Tamper("DELETE FROM events WHERE seq > 10");
    RecordsReport r = f.ExpectBad(11, "events 11..15 missing (truncated?)");
    CHECK(r.checkpoints.verified == 2);
  }
  SECTION("every event") {
    f.Tamper("DELETE FROM events");
    RecordsReport r = f.ExpectBad(1, "the log is empty");
    CHECK(r.checkpoints.bad_checkpoint == 1);
  }
  SECTION("above the last checkpoint: not detectable, and reported as uncovered") {
    f.Tamper("DELETE FROM events WHERE seq > 17");
    RecordsReport r = f.Verify(f.copy());
    CHECK(r.ok());
    CHECK(r.EventsNotCovered() == 2);
  }
}

TEST_CASE("tamper with a checkpointed copy: a re-hashed rewrite is caught by the checkpoint",
          "[checkpoint]") {
  // The forger edits event 7 and recomputes every hash after it: the chain is consistent again,
  // but event 10 no longer has the hash checkpoint 2 signed.
  CheckpointedRecords f;
  f.Tamper(f.RewriteFrom(7, "{\"step\":7,\"note\":\"all fine\"}"));
  RecordsReport r = f.ExpectBad(10, "event 10 does not match checkpoint 2");
  CHECK(r.chain.ok);
  CHECK_THAT(r.checkpoints.problem, Catch::Contains("events 6..10 were rewritten"));
  CHECK(r.checkpoints.bad_checkpoint == 2);
}

TEST_CASE(
    "tamper with a checkpointed copy: all checkpoints deleted and the events rewritten shows "
    "with the key",
    "[checkpoint]") {
  // The attacker of issue "Safe in a hostile world": without checkpoints the rewritten chain is
  // self-consistent, but a key exists only once a checkpoint was signed.
  CheckpointedRecords f;
  f.Tamper("DELETE FROM checkpoints;" + f.RewriteFrom(7, "{\"step\":7,\"note\":\"all fine\"}"));
  RecordsReport r = f.Verify(f.copy());
  CHECK(r.chain.ok);
  CHECK_FALSE(r.ok());
  std::string all;
  for (const std::string& p : r.Problems()) all += p + "\n";
  CHECK_THAT(all, Catch::Contains("no checkpoints, but key " + f.key().id().substr(0, 16)));
  CHECK_THAT(all, Catch::Contains("checkpoints were deleted"));
}

TEST_CASE("tamper with a checkpointed copy: an edited key_id is named", "[checkpoint]") {
  CheckpointedRecords f;
  f.Tamper("UPDATE checkpoints SET key_id = '" + std::string(64, 'a') + "' WHERE id = 2");
  RecordsReport r = f.Verify(f.copy());
  CHECK_FALSE(r.ok());
  CHECK(r.checkpoints.bad_checkpoint == 2);
  CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 2"));
  CHECK_THAT(r.checkpoints.problem, Catch::Contains("key_id"));
  CHECK_THAT(r.checkpoints.problem, Catch::Contains("aaaaaaaaaaaaaaaa"));
}

}  // namespace
}  // namespace firedrill
