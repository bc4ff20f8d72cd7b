// Signed checkpoints: the key file, signing and verifying, the checkpoints' own chain, and what
// WriteCheckpoint refuses to sign.
#include "orchestrator/store/checkpoint.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using testing::TamperSql;
using testing::TempDir;

void Append(const fs::path& state, int from, int to, const std::string& note = "") {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  std::vector<NewEvent> batch;
  for (int i = from; i <= to; ++i) {
    NewEvent e;
    e.drill_id = "drill-a";
    e.kind = "step";
    e.actor = "orchestrator";
    e.payload_json =
        "{\"step\":" + std::to_string(i) + (note.empty() ? "" : ",\"note\":\"" + note + "\"") + "}";
    e.ts = SysTime(std::chrono::milliseconds(1'000 * i));
    batch.push_back(std::move(e));
  }
  REQUIRE(EventLog(*db).AppendBatch(batch).ok());
}

Checkpoint Write(const fs::path& state) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  auto cp = WriteCheckpoint(*db, state);
  INFO((cp.ok() ? "" : cp.error().message));
  REQUIRE(cp.ok());
  return *cp;
}

RecordsReport Verify(const fs::path& state, const SigningKey* key) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto report = VerifyRecords(*db, key);
  INFO((report.ok() ? "" : report.error().message));
  REQUIRE(report.ok());
  return *report;
}

SigningKey StateKey(const fs::path& state) {
  auto key = SigningKey::LoadFromStateDir(state);
  REQUIRE(key.ok());
  REQUIRE(key->has_value());
  return std::move(**key);
}

TEST_CASE("the checkpoint key is created once, private, and reused", "[checkpoint]") {
  TempDir tmp;
  auto first = SigningKey::LoadOrCreate(tmp.path());
  REQUIRE(first.ok());
  CHECK(first->has_private_key());
  CHECK(first->id().size() == 64);
  struct stat st {};
  REQUIRE(stat((tmp.path() / SigningKey::kFileName).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = SigningKey::LoadOrCreate(tmp.path());
  REQUIRE(again.ok());
  CHECK(again->id() == first->id());
  CHECK(again->PublicKeyPem() == first->PublicKeyPem());
  CHECK_THAT(first->PublicKeyPem(), Catch::StartsWith("-----BEGIN PUBLIC KEY-----"));
  // Nothing but the key is left behind (no temporary files).
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("concurrent first uses of the key all end up with the same key", "[checkpoint]") {
  TempDir tmp;
  constexpr int kThreads = 4;
  std::vector<std::string> ids(kThreads);
  std::vector<std::string> errors(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto key = SigningKey::LoadOrCreate(tmp.path());
        if (key.ok()) {
          ids[i] = key->id();
        } else {
          errors[i] = key.error().message;
        }
      });
    }
  }
  for (int i = 0; i < kThreads; ++i) {
    INFO(errors[i]);
    CHECK(errors[i].empty());
    CHECK(ids[i] == ids[0]);
  }
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("signatures verify with the public key alone and fail for any change", "[checkpoint]") {
  TempDir tmp;
  auto key = SigningKey::LoadOrCreate(tmp.path());
  REQUIRE(key.ok());
  auto pub = SigningKey::FromPublicKeyPem(key->PublicKeyPem(), "test");
  REQUIRE(pub.ok());
  CHECK_FALSE(pub->has_private_key());
  CHECK(pub->id() == key->id());
  std::vector<unsigned char> message = {'h', 'e', 'l', 'l', 'o'};
  auto sig = key->Sign(message);
  REQUIRE(sig.ok());
  CHECK(pub->Verify(message, *sig));
  message[0] ^= 1;
  CHECK_FALSE(pub->Verify(message, *sig));
  message[0] ^= 1;
  Signature bad = *sig;
  bad[10] ^= 1;
  CHECK_FALSE(pub->Verify(message, bad));
  CHECK_FALSE(pub->Verify(message, std::span(sig->data(), 63)));
  CHECK_FALSE(pub->Sign(message).ok());
  TempDir other;
  auto stranger = SigningKey::LoadOrCreate(other.path());
  REQUIRE(stranger.ok());
  CHECK_FALSE(stranger->Verify(message, *sig));
}

TEST_CASE("key files that are not private or not keys are refused, naming the file",
          "[checkpoint]") {
  TempDir tmp;
  fs::path file = tmp.path() / SigningKey::kFileName;
  SECTION("readable by others") {
    REQUIRE(SigningKey::LoadOrCreate(tmp.path()).ok());
    fs::permissions(file, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
    auto key = SigningKey::LoadOrCreate(tmp.path());
    REQUIRE_FALSE(key.ok());
    CHECK_THAT(key.error().message, Catch::Contains(file.string()));
    CHECK_THAT(key.error().message, Catch::Contains("chmod 600"));
    // Verifying only needs the public half, so a loose key still serves that.
    CHECK(SigningKey::LoadFromStateDir(tmp.path()).ok());
  }
  SECTION("not a key") {
    std::ofstream(file) << "not a key\n";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    auto key = SigningKey::LoadOrCreate(tmp.path());
    REQUIRE_FALSE(key.ok());
    CHECK_THAT(key.error().message, Catch::Contains(file.string()));
  }
  SECTION("a public key file that is not one") {
    fs::path pem = tmp.path() / "pub.pem";
    std::ofstream(pem) << "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    auto key = SigningKey::LoadPublicKeyFile(pem);
    REQUIRE_FALSE(key.ok());
    CHECK_THAT(key.error().message, Catch::Contains(pem.string()));
    CHECK_FALSE(SigningKey::LoadPublicKeyFile(tmp.path() / "missing.pem").ok());
  }
}

TEST_CASE("ExportPublicKey creates nothing and names a missing key", "[checkpoint]") {
  TempDir tmp;
  auto none = ExportPublicKey(tmp.path());
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("no checkpoint key yet"));
  CHECK(fs::is_empty(tmp.path()));
  auto key = SigningKey::LoadOrCreate(tmp.path());
  REQUIRE(key.ok());
  auto pem = ExportPublicKey(tmp.path());
  REQUIRE(pem.ok());
  CHECK(*pem == key->PublicKeyPem());
}

TEST_CASE("checkpoints are numbered, linked, signed and cover the head", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 5);
  Checkpoint one = Write(state);
  CHECK(one.id == 1);
  CHECK(one.seq == 5);
  CHECK(one.prev_hash == Hash256{});
  CHECK(one.signature.size() == 64);
  Append(state, 6, 9);
  Checkpoint two = Write(state);
  CHECK(two.id == 2);
  CHECK(two.seq == 9);
  auto sha = Sha256::Create();
  REQUIRE(sha.ok());
  Hash256 link{};
  REQUIRE(CheckpointHash(one, *sha, &link));
  CHECK(two.prev_hash == link);
  SigningKey key = StateKey(state);
  CHECK(two.key_id == key.id());
  CHECK(key.Verify(CheckpointMessage(two), two.signature));
  CHECK(two.version == kCheckpointV2);
  CHECK(two.prev_seq == 5);
  CHECK(CheckpointMessage(two).size() == 152);

  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto listed = ListCheckpoints(*db);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[1].head_hash == two.head_hash);
  CHECK((*listed)[1].ts == two.ts);
}

TEST_CASE("verify reports checkpoints and the events not yet covered", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 6);
  SECTION("no checkpoints: the chain alone, no key needed") {
    RecordsReport r = Verify(state, nullptr);
    CHECK(r.ok());
    CHECK(r.checkpoints.total == 0);
    CHECK(r.EventsNotCovered() == 6);
  }
  SECTION("events after the last checkpoint are not an error") {
    Write(state);
    Append(state, 7, 10);
    SigningKey key = StateKey(state);
    RecordsReport r = Verify(state, &key);
    CHECK(r.ok());
    CHECK(r.checkpoints.verified == 1);
    CHECK(r.last_seq == 10);
    CHECK(r.EventsNotCovered() == 4);
    Write(state);
    CHECK(Verify(state, &key).EventsNotCovered() == 0);
  }
  SECTION("checkpoints but no key is an error that asks for --pubkey") {
    Write(state);
    fs::remove(state / SigningKey::kFileName);
    auto db = Database::Open(state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto r = VerifyRecords(*db, nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("--pubkey"));
  }
}

TEST_CASE("an auditor verifies a copied state dir with the public key only", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 8);
  Write(state);
  fs::path pem = tmp.path() / "firedrill.pub.pem";
  std::ofstream(pem) << StateKey(state).PublicKeyPem();

  fs::path copy = tmp.path() / "copy";
  fs::create_directory(copy);
  fs::copy_file(state / "firedrill.db", copy / "firedrill.db");
  auto pub = SigningKey::LoadPublicKeyFile(pem);
  REQUIRE(pub.ok());
  RecordsReport r = Verify(copy, &*pub);
  CHECK(r.ok());
  CHECK(r.checkpoints.verified == 1);
  CHECK_FALSE(fs::exists(copy / SigningKey::kFileName));

  SECTION("a different key fails, naming both keys") {
    TempDir other;
    auto stranger = SigningKey::LoadOrCreate(other.path());
    REQUIRE(stranger.ok());
    RecordsReport bad = Verify(copy, &*stranger);
    CHECK_FALSE(bad.ok());
    CHECK(bad.checkpoints.bad_checkpoint == 1);
    CHECK_THAT(bad.checkpoints.problem, Catch::Contains("checkpoint 1 was altered or forged"));
    CHECK_THAT(bad.checkpoints.problem, Catch::Contains(stranger->id().substr(0, 16)));
    CHECK_THAT(bad.checkpoints.problem, Catch::Contains(pub->id().substr(0, 16)));
  }
}

TEST_CASE("a forged or altered checkpoint is named", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  for (int i = 0; i < 4; ++i) {
    Append(state, 3 * i + 1, 3 * i + 3);
    Write(state);
  }
  Append(state, 13, 14);
  SigningKey key = StateKey(state);
  REQUIRE(Verify(state, &key).ok());

  SECTION("a signature bit flipped in the middle") {
    auto db = Database::Open(state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto cps = ListCheckpoints(*db);
    REQUIRE(cps.ok());
    std::vector<unsigned char> sig = (*cps)[1].signature;
    sig[10] ^= 0x01;
    TamperSql(state, "UPDATE checkpoints SET signature = X'" + Hex(sig) + "' WHERE id = 2");
    RecordsReport r = Verify(state, &key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 2);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 2 was altered or forged"));
    CHECK(r.checkpoints.verified == 1);
  }
  SECTION("the last checkpoint re-signed by a forger's key") {
    TempDir forger_dir;
    auto forger = SigningKey::LoadOrCreate(forger_dir.path());
    REQUIRE(forger.ok());
    auto db = Database::Open(state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto cps = ListCheckpoints(*db);
    REQUIRE(cps.ok());
    Checkpoint forged = cps->back();
    auto sig = forger->Sign(CheckpointMessage(forged));
    REQUIRE(sig.ok());
    TamperSql(state, "UPDATE checkpoints SET signature = X'" + Hex(*sig) + "' WHERE id = 4");
    RecordsReport r = Verify(state, &key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 4);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 4 was altered or forged"));
  }
  SECTION("a head hash changed to match a rewritten log") {
    TamperSql(state, "UPDATE checkpoints SET head_hash = randomblob(32) WHERE id = 3");
    RecordsReport r = Verify(state, &key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 3);
  }
  SECTION("a checkpoint deleted in the middle") {
    TamperSql(state, "DELETE FROM checkpoints WHERE id = 2");
    RecordsReport r = Verify(state, &key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 2);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 2 missing (deleted?)"));
  }
  SECTION("a checkpoint deleted and the rest renumbered") {
    TamperSql(state,
              "DELETE FROM checkpoints WHERE id = 2;"
              "UPDATE checkpoints SET id = -id WHERE id > 2;"
              "UPDATE checkpoints SET id = -id - 1 WHERE id < 0;");
    RecordsReport r = Verify(state, &key);
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 2);
  }
  SECTION("the last checkpoint deleted is only visible against a kept checkpoint") {
    // As with events, a self-contained record cannot show its own newest part is gone; a copy of
    // the last checkpoint kept elsewhere, a witness, can (witness_test.cpp, tamper_table_test.cpp).
    TamperSql(state, "DELETE FROM checkpoints WHERE id = 4");
    RecordsReport r = Verify(state, &key);
    CHECK(r.ok());
    CHECK(r.checkpoints.last_verified->id == 3);
    CHECK(r.EventsNotCovered() == 5);
  }
}

TEST_CASE("WriteCheckpoint refuses to sign a log that does not extend the last checkpoint",
          "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 6);
  auto write = [&] {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    return WriteCheckpoint(*db, state);
  };
  SECTION("an altered event, before any checkpoint") {
    TamperSql(state, "UPDATE events SET payload = '{}' WHERE seq = 3");
    auto cp = write();
    REQUIRE_FALSE(cp.ok());
    CHECK_THAT(cp.error().message, Catch::Contains("event 3 was altered"));
    CHECK_FALSE(fs::exists(state / SigningKey::kFileName));
  }
  SECTION("events truncated below the last checkpoint") {
    REQUIRE(write().ok());
    TamperSql(state, "DELETE FROM events WHERE seq >= 5");
    Append(state, 5, 7, "replayed");  // different events appended over the gap
    auto cp = write();
    REQUIRE_FALSE(cp.ok());
    CHECK_THAT(cp.error().message, Catch::Contains("event 6"));
  }
  SECTION("an altered event after the last checkpoint") {
    REQUIRE(write().ok());
    Append(state, 7, 9);
    TamperSql(state, "UPDATE events SET actor = 'x' WHERE seq = 8");
    auto cp = write();
    REQUIRE_FALSE(cp.ok());
    CHECK_THAT(cp.error().message, Catch::Contains("event 8 was altered"));
  }
  SECTION("the key is missing while checkpoints exist") {
    REQUIRE(write().ok());
    fs::remove(state / SigningKey::kFileName);
    auto cp = write();
    REQUIRE_FALSE(cp.ok());
    CHECK_THAT(cp.error().message, Catch::Contains("is missing"));
    CHECK_FALSE(fs::exists(state / SigningKey::kFileName));
  }
  SECTION("the key was replaced") {
    REQUIRE(write().ok());
    fs::remove(state / SigningKey::kFileName);
    TempDir other;
    REQUIRE(SigningKey::LoadOrCreate(other.path()).ok());
    fs::copy_file(other.path() / SigningKey::kFileName, state / SigningKey::kFileName);
    auto cp = write();
    REQUIRE_FALSE(cp.ok());
    CHECK_THAT(cp.error().message, Catch::Contains("checkpoint 1 does not verify"));
  }
}

TEST_CASE("a version 2 database migrates to checkpoints with its events intact", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 3);
  {
    // What version 2 wrote: no checkpoints table.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open((state / "firedrill.db").c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "DROP TABLE checkpoints; DROP TABLE tokens; DROP TABLE schedules; "
                         "DROP TABLE blackouts; DROP TABLE runs; DROP TABLE freezes; "
                         "ALTER TABLE fault_ledger DROP COLUMN processes; "
                         "ALTER TABLE fault_ledger DROP COLUMN plugins; "
                         "ALTER TABLE fault_ledger DROP COLUMN manual; "
                         "PRAGMA user_version = 2",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  // A read-only open refuses the old schema (and changes nothing); a writer upgrades it.
  auto old = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE_FALSE(old.ok());
  CHECK_THAT(old.error().message, Catch::Contains("schema version 2"));
  Checkpoint cp = Write(state);
  CHECK(cp.id == 1);
  CHECK(cp.seq == 3);
  SigningKey key = StateKey(state);
  RecordsReport r = Verify(state, &key);
  CHECK(r.ok());
  CHECK(r.chain.events_checked == 3);
}

TEST_CASE("the checkpoints table is append-only", "[checkpoint]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Append(state, 1, 2);
  Write(state);
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  Status update = db->Exec("UPDATE checkpoints SET seq = 1");
  REQUIRE_FALSE(update.ok());
  CHECK_THAT(update.error().message, Catch::Contains("append-only"));
  Status del = db->Exec("DELETE FROM checkpoints");
  REQUIRE_FALSE(del.ok());
  CHECK_THAT(del.error().message, Catch::Contains("append-only"));
}

}  // namespace
}  // namespace firedrill
