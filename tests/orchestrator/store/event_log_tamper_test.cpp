// Tampering with firedrill.db behind firedrill's back, the way someone with write access to the
// file could: a plain SQLite connection, triggers dropped. Verify must name the first bad event.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

constexpr int kEvents = 10;

// A state dir with a clean log of kEvents events, all with distinct contents.
class TamperFixture {
 public:
  explicit TamperFixture(int events = kEvents) {
    auto db = Database::Open(tmp_.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    EventLog log(*db);
    // One transaction for all: a log of thousands must not cost thousands of fsyncs.
    std::vector<NewEvent> batch;
    for (int i = 1; i <= events; ++i) {
      NewEvent e;
      e.drill_id = i % 2 ? "drill-a" : "drill-b";
      e.kind = "step";
      e.actor = "orchestrator";
      e.payload_json = "{\"step\":" + std::to_string(i) + "}";
      e.ts = SysTime(std::chrono::milliseconds(1'000 * i));
      batch.push_back(std::move(e));
    }
    REQUIRE(log.AppendBatch(batch).ok());
    REQUIRE(log.ForEach([&](const Event& e) {
                 hashes_.push_back(e.hash);
                 return true;
               })
                .ok());
    REQUIRE(hashes_.size() == static_cast<std::size_t>(events));
  }

  // Runs SQL through a plain SQLite connection after dropping the append-only triggers.
  void Tamper(const std::string& sql) { testing::TamperSql(tmp_.path(), sql); }

  VerifyReport Verify() {
    auto db = Database::Open(tmp_.path(), OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto report = EventLog(*db).Verify();
    REQUIRE(report.ok());
    return *report;
  }

  // The hash the untouched event `seq` had.
  const Hash256& OriginalHash(int seq) const { return hashes_.at(seq - 1); }

 private:
  TempDir tmp_;
  std::vector<Hash256> hashes_;
};

void CheckBad(const VerifyReport& report, std::int64_t seq, const std::string& problem) {
  INFO(report.problem);
  CHECK_FALSE(report.ok);
  REQUIRE(report.first_bad_seq.has_value());
  CHECK(*report.first_bad_seq == seq);
  CHECK_THAT(report.problem, Catch::Contains(problem));
}

TEST_CASE("verify names the first altered event when a payload is edited", "[store]") {
  TamperFixture f;
  f.Tamper("UPDATE events SET payload = '{\"step\":99}' WHERE seq = 5");
  VerifyReport r = f.Verify();
  CheckBad(r, 5, "event 5 was altered: hash mismatch");
  CHECK(r.events_checked == 4);
  CHECK(r.head_hash == f.OriginalHash(4));
}

TEST_CASE("verify names an event whose timestamp, actor or drill was changed", "[store]") {
  TamperFixture f;
  SECTION("timestamp") { f.Tamper("UPDATE events SET ts_ms = ts_ms + 1 WHERE seq = 3"); }
  SECTION("actor") { f.Tamper("UPDATE events SET actor = 'someone-else' WHERE seq = 3"); }
  SECTION("drill") { f.Tamper("UPDATE events SET drill_id = 'drill-z' WHERE seq = 3"); }
  SECTION("kind") { f.Tamper("UPDATE events SET kind = 'skipped' WHERE seq = 3"); }
  CheckBad(f.Verify(), 3, "event 3 was altered");
}

TEST_CASE("verify names a deleted event in the middle as missing", "[store]") {
  TamperFixture f;
  f.Tamper("DELETE FROM events WHERE seq = 5");
  CheckBad(f.Verify(), 5, "event 5 missing (deleted?)");
}

TEST_CASE("verify names a deleted first event as missing", "[store]") {
  TamperFixture f;
  f.Tamper("DELETE FROM events WHERE seq = 1");
  VerifyReport r = f.Verify();
  CheckBad(r, 1, "event 1 missing (deleted?)");
  CHECK(r.events_checked == 0);
}

TEST_CASE("a deleted middle event hidden by renumbering still breaks the chain", "[store]") {
  TamperFixture f;
  f.Tamper(
      "DELETE FROM events WHERE seq = 5;"
      "UPDATE events SET seq = -seq WHERE seq > 5;"
      "UPDATE events SET seq = -seq - 1 WHERE seq < 0;");
  CheckBad(f.Verify(), 5, "chain broken at event 5: prev_hash does not match event 4");
}

TEST_CASE("verify names the first of two events whose contents were swapped", "[store]") {
  TamperFixture f;
  SECTION("whole rows, hashes included") {
    f.Tamper(
        "CREATE TEMP TABLE saved AS SELECT * FROM events WHERE seq IN (4, 7);"
        "UPDATE events SET (ts_ms, drill_id, kind, actor, payload, prev_hash, hash) = "
        "  (SELECT ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM saved "
        "   WHERE saved.seq = 11 - events.seq) WHERE seq IN (4, 7);");
    CheckBad(f.Verify(), 4, "chain broken at event 4");
  }
  SECTION("payloads only") {
    f.Tamper(
        "CREATE TEMP TABLE saved AS SELECT * FROM events WHERE seq IN (4, 7);"
        "UPDATE events SET payload = (SELECT payload FROM saved WHERE saved.seq = 11 - events.seq)"
        " WHERE seq IN (4, 7);");
    CheckBad(f.Verify(), 4, "event 4 was altered");
  }
}

TEST_CASE("verify catches a forged event inserted in the middle", "[store]") {
  TamperFixture f;
  // Make room at seq 5 by shifting 5..10 up by one (via negatives: seq is the primary key).
  std::string renumber =
      "UPDATE events SET seq = -seq WHERE seq >= 5;"
      "UPDATE events SET seq = -seq + 1 WHERE seq < 0;";
  SECTION("a crude forgery is named itself") {
    f.Tamper(renumber +
             "INSERT INTO events VALUES (5, 4500, 'drill-a', 'step', 'orchestrator', '{}', "
             "zeroblob(32), zeroblob(32));");
    CheckBad(f.Verify(), 5, "chain broken at event 5");
  }
  SECTION("a forgery with a correct self-hash shows at the seam after it") {
    // The forger knows the format and links to event 4 correctly; the event that follows still
    // points at event 4, which is where the chain breaks.
    std::vector<unsigned char> bytes;
    EncodeEventForHash({f.OriginalHash(4), 5, 4500, "drill-a", "step", "orchestrator", "{}"},
                       &bytes);
    auto sha = Sha256::Create();
    REQUIRE(sha.ok());
    Hash256 forged{};
    REQUIRE(sha->Hash(bytes, &forged));
    f.Tamper(renumber + "INSERT INTO events VALUES (5, 4500, 'drill-a', 'step', 'orchestrator', " +
             "'{}', X'" + Hex(f.OriginalHash(4)) + "', X'" + Hex(forged) + "');");
    VerifyReport r = f.Verify();
    CheckBad(r, 6, "chain broken at event 6: prev_hash does not match event 5");
    CHECK(r.events_checked == 5);
  }
}

TEST_CASE("verify catches a forged event appended with a wrong prev_hash", "[store]") {
  TamperFixture f;
  f.Tamper(
      "INSERT INTO events VALUES (11, 11000, 'drill-a', 'step', 'orchestrator', '{}', "
      "randomblob(32), randomblob(32));");
  CheckBad(f.Verify(), 11, "chain broken at event 11: prev_hash does not match event 10");
}

TEST_CASE("verify catches an event slipped in before the first one", "[store]") {
  TamperFixture f;
  f.Tamper(
      "INSERT INTO events VALUES (0, 1, 'drill-a', 'step', 'orchestrator', '{}', "
      "zeroblob(32), zeroblob(32));");
  CheckBad(f.Verify(), 0, "event 0 is out of sequence");
}

TEST_CASE("verify catches a replaced genesis prev_hash", "[store]") {
  TamperFixture f;
  f.Tamper("UPDATE events SET prev_hash = randomblob(32) WHERE seq = 1");
  CheckBad(f.Verify(), 1, "chain broken at event 1: prev_hash is not the genesis value");
}

TEST_CASE("dropping the last events is only visible against a remembered head", "[store]") {
  // No self-contained chain can detect truncation; that is what head_hash is for.
  TamperFixture f;
  f.Tamper("DELETE FROM events WHERE seq >= 9");
  VerifyReport r = f.Verify();
  CHECK(r.ok);
  CHECK(r.events_checked == 8);
  CHECK(r.head_hash == f.OriginalHash(8));
  CHECK(r.head_hash != f.OriginalHash(kEvents));
}

TEST_CASE("verify finds the first bad event deep in a long log", "[store]") {
  // Long enough to span many of the verifier's hashing batches.
  TamperFixture f(3000);
  SECTION("clean") {
    VerifyReport r = f.Verify();
    CHECK(r.ok);
    CHECK(r.events_checked == 3000);
    CHECK(r.head_hash == f.OriginalHash(3000));
  }
  SECTION("altered late") {
    f.Tamper("UPDATE events SET payload = '{}' WHERE seq = 2999");
    VerifyReport r = f.Verify();
    CheckBad(r, 2999, "event 2999 was altered");
    CHECK(r.events_checked == 2998);
    CHECK(r.head_hash == f.OriginalHash(2998));
  }
  SECTION("an alteration before a deletion is the one reported") {
    f.Tamper(
        "UPDATE events SET payload = '{}' WHERE seq = 700;"
        "DELETE FROM events WHERE seq = 1800;");
    CheckBad(f.Verify(), 700, "event 700 was altered");
  }
  SECTION("a deletion before an alteration is the one reported") {
    f.Tamper(
        "DELETE FROM events WHERE seq = 700;"
        "UPDATE events SET payload = '{}' WHERE seq = 1800;");
    CheckBad(f.Verify(), 700, "event 700 missing");
  }
}

}  // namespace
}  // namespace firedrill
