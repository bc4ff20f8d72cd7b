// The tamper table: every way of changing the records that the auditor guide names, each run
// against a copy of checkpointed records, verified with the auditor's public key, once without
// and once with the witness that the honest firedrill published every checkpoint to. Each row
// says whether the change is detected and why; the rows that are NOT detected are asserted too:
// they pin the limits that docs/auditor-guide.md states. Run with [tamper-table] -s to print it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/checkpoint_json.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/export_seal.h"
#include "orchestrator/store/export_verify.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_list.h"
#include "orchestrator/store/witness_publish.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::RewriteEventsSql;
using testing::StepEvents;
using testing::TamperSql;
using testing::TempDir;

constexpr const char* kEdited = "{\"step\":0,\"note\":\"all fine\"}";

using firedrill::testing::Join;
using firedrill::testing::Lines;
using firedrill::testing::ReadFile;

// 20 events; checkpoints after events 5, 10 and 15, each published to a witness file as firedrill
// does; events 16-20 not yet covered. Also the two exports an auditor might receive.
class Original {
 public:
  Original() {
    fs::create_directories(witness_file().parent_path());
    WitnessList list;
    list.origin = "tamper-table";
    list.witnesses.push_back(Witness{WitnessKind::kFile, witness_file().string(), {}, {}, 1});
    for (int i = 0; i < 4; ++i) {
      auto db = Database::Open(state(), OpenMode::kReadWrite);
      REQUIRE(db.ok());
      REQUIRE(EventLog(*db).AppendBatch(StepEvents(5 * i + 1, 5 * i + 5)).ok());
      if (i == 3) break;
      auto cp = WriteCheckpoint(*db, state());
      REQUIRE(cp.ok());
      for (const WitnessDelivery& d : PublishCheckpoint(*cp, list)) REQUIRE(d.ok);
    }
    auto key = SigningKey::LoadFromStateDir(state());
    REQUIRE(key.ok());
    REQUIRE(key->has_value());
    auto pub = SigningKey::FromPublicKeyPem((*key)->PublicKeyPem(), "the auditor's key");
    REQUIRE(pub.ok());
    pubkey_.emplace(std::move(*pub));
    auto db = Database::Open(state(), OpenMode::kReadOnly);
    REQUIRE(db.ok());
    for (bool sealed : {true, false}) {
      ExportOptions options;
      if (sealed) options.seal_key = &**key;
      std::ostringstream out;
      REQUIRE(ExportRecords(*db, options, out).ok());
      (sealed ? sealed_export_ : unsealed_export_) = out.str();
    }
  }

  fs::path state() const { return tmp_.path() / "original"; }
  fs::path witness_file() const { return tmp_.path() / "witness" / "checkpoints.jsonl"; }
  const SigningKey& pubkey() const { return *pubkey_; }
  const std::string& sealed_export() const { return sealed_export_; }
  const std::string& unsealed_export() const { return unsealed_export_; }

 private:
  TempDir tmp_;
  std::optional<SigningKey> pubkey_;
  std::string sealed_export_;
  std::string unsealed_export_;
};

// One attacker's copy: the database (and, for the rows that say so, the stolen key) and the
// witness file, which the attacker cannot change unless a row says it appends to it.
struct Copy {
  const Original& original;
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path witness_file = tmp.path() / "witness.jsonl";
  std::string export_text;  // for the export rows

  explicit Copy(const Original& o) : original(o) {
    fs::create_directories(state);
    fs::copy_file(o.state() / "firedrill.db", state / "firedrill.db");
    fs::copy_file(o.witness_file(), witness_file);
  }

  void Sql(const std::string& sql) { TamperSql(state, sql); }
  std::string Rewrite(std::int64_t seq) { return RewriteEventsSql(state, seq, kEdited); }
  // The attacker holds the private key (it lives in the state directory) and signs with it.
  Checkpoint Resign() {
    fs::copy_file(original.state() / SigningKey::kFileName, state / SigningKey::kFileName,
                  fs::copy_options::overwrite_existing);
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    auto cp = WriteCheckpoint(*db, state);
    INFO((cp.ok() ? "" : cp.error().message));
    REQUIRE(cp.ok());
    return *cp;
  }
  void AppendToWitness(const Checkpoint& cp) {
    std::ofstream(witness_file, std::ios::app) << WitnessRecord(cp, "tamper-table") << "\n";
  }
  // Edits the export's lines: drops those `drop` selects, then lets `edit` change the rest.
  void EditExport(const std::string& text, const std::function<bool(const json::object&)>& drop,
                  const std::function<void(json::object&)>& edit = {}) {
    std::vector<std::string> kept;
    for (const std::string& line : Lines(text)) {
      json::object o = json::parse(line).as_object();
      if (drop(o)) continue;
      if (edit) {
        edit(o);
        kept.push_back(json::serialize(o));
      } else {
        kept.push_back(line);
      }
    }
    export_text = Join(kept);
  }
};

// What one verification found.
struct Outcome {
  bool detected = false;
  std::string problems;  // every problem, one per line
};

struct Expect {
  bool detected;
  std::string contains;  // a problem must contain this (when detected)
};

struct Row {
  std::string name;
  bool is_export = false;
  std::function<void(Copy&)> attack;
  Expect without_witness;
  Expect with_witness;
  std::string why;
};

Outcome VerifyCopy(Copy& copy, bool with_witness) {
  std::optional<WitnessSource> witness;
  if (with_witness) {
    auto parsed = ParseWitnessText(ReadFile(copy.witness_file), "witness.jsonl");
    REQUIRE(parsed.ok());
    auto one = SelectOrigin(*parsed, std::nullopt);
    REQUIRE(one.ok());
    witness = std::move(*one);
  }
  const WitnessSource* w = witness ? &*witness : nullptr;
  Expected<RecordsReport> report = Error{""};
  if (!copy.export_text.empty()) {
    std::istringstream in(copy.export_text);
    report = VerifyExport(in, "export.jsonl", &copy.original.pubkey(), w);
  } else {
    auto db = Database::Open(copy.state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    report = VerifyRecords(*db, &copy.original.pubkey(), w);
  }
  INFO((report.ok() ? "" : report.error().message));
  REQUIRE(report.ok());
  Outcome out;
  out.detected = !report->ok();
  for (const std::string& p : report->Problems()) out.problems += p + "\n";
  return out;
}

bool IsCheckpoint(const json::object& o, std::int64_t from_id) {
  return o.at("type") == "checkpoint" && o.at("id").as_int64() >= from_id;
}

std::vector<Row> Rows() {
  auto sql = [](std::string s) { return [s](Copy& c) { c.Sql(s); }; };
  return {
      // Events.
      {"edit an event's payload",
       false,
       sql("UPDATE events SET payload = '{}' WHERE seq = 7"),
       {true, "event 7 was altered: hash mismatch"},
       {true, "event 7 was altered: hash mismatch"},
       "the hash chain: event 7's stored hash no longer matches its content"},
      {"delete an event",
       false,
       sql("DELETE FROM events WHERE seq = 7"),
       {true, "event 7 missing (deleted?)"},
       {true, "event 7 missing (deleted?)"},
       "the hash chain: sequence numbers have a gap"},
      {"reorder two events",
       false,
       sql("CREATE TEMP TABLE saved AS SELECT * FROM events WHERE seq IN (6, 8);"
           "UPDATE events SET (ts_ms, drill_id, kind, actor, payload, prev_hash, hash) = "
           "  (SELECT ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM saved "
           "   WHERE saved.seq = 14 - events.seq) WHERE seq IN (6, 8);"),
       {true, "chain broken at event 6"},
       {true, "chain broken at event 6"},
       "the hash chain: event 6 no longer links to event 5"},
      {"insert an event",
       false,
       sql("UPDATE events SET seq = -seq WHERE seq >= 7;"
           "UPDATE events SET seq = -seq + 1 WHERE seq < 0;"
           "INSERT INTO events VALUES (7, 6500, 'drill-a', 'step', 'orchestrator', '{}', "
           "zeroblob(32), zeroblob(32));"),
       {true, "chain broken at event 7"},
       {true, "chain broken at event 7"},
       "the hash chain: the inserted event does not link to event 6"},
      {"truncate events below the last checkpoint",
       false,
       sql("DELETE FROM events WHERE seq > 12"),
       {true, "events 13..15 missing (truncated?): checkpoint 3"},
       {true, "witnessed at witness.jsonl line 3"},
       "checkpoint 3 vouches for events up to #15"},
      {"truncate events after the last checkpoint",
       false,
       sql("DELETE FROM events WHERE seq > 17"),
       {false, ""},
       {false, ""},
       "LIMIT: nothing signed covers events 16-20 yet; the next checkpoint would"},
      {"rewrite events and re-hash the chain (without the key)",
       false,
       [](Copy& c) { c.Sql(c.Rewrite(7)); },
       {true, "event 10 does not match checkpoint 2"},
       {true, "event 10 does not match checkpoint 2 witnessed at witness.jsonl line 2"},
       "checkpoint 2 signed event 10's old hash"},
      // Checkpoints.
      {"delete a checkpoint from the middle",
       false,
       sql("DELETE FROM checkpoints WHERE id = 2"),
       {true,
        "checkpoint 2 missing (deleted?); checkpoint 3 says checkpoint 2 covered events "
        "up to #10"},
       {true,
        "checkpoint 2 (events up to #10) is missing from the records, but witness.jsonl "
        "line 2 holds it"},
       "checkpoint 3 signs checkpoint 2's hash and event count"},
      {"edit a checkpoint (the events it covers)",
       false,
       sql("UPDATE checkpoints SET seq = 9 WHERE id = 2"),
       {true, "checkpoint 2 was altered or forged"},
       {true, "checkpoint 2 differs from the one witness.jsonl line 2 holds"},
       "its signature no longer verifies"},
      {"edit a checkpoint's key_id",
       false,
       sql("UPDATE checkpoints SET key_id = '" + std::string(64, 'a') + "' WHERE id = 2"),
       {true, "checkpoint 2's key_id was edited"},
       {true, "checkpoint 2's key_id was edited"},
       "version 2 signs the key id"},
      {"delete the last checkpoint",
       false,
       sql("DELETE FROM checkpoints WHERE id = 3"),
       {false, ""},
       {true,
        "checkpoint 3 (events up to #15) is missing from the records, but witness.jsonl "
        "line 3 holds it"},
       "LIMIT without a witness: no later checkpoint links to it"},
      {"delete every checkpoint",
       false,
       sql("DELETE FROM checkpoints"),
       {true, "no checkpoints, but key"},
       {true, "checkpoints 1..3 (events up to #15) are missing from the records"},
       "the key exists only once a checkpoint was signed"},
      // The attacks of the issue.
      {"all checkpoints deleted and events rewritten",
       false,
       [](Copy& c) { c.Sql("DELETE FROM checkpoints;" + c.Rewrite(7)); },
       {true, "no checkpoints, but key"},
       {true, "event 10 does not match checkpoint 2 witnessed at witness.jsonl line 2"},
       "the key exists only once a checkpoint was signed; the witness holds the old hashes"},
      {"last checkpoint deleted and events after the one before rewritten",
       false,
       [](Copy& c) { c.Sql("DELETE FROM checkpoints WHERE id = 3;" + c.Rewrite(12)); },
       {false, ""},
       {true, "event 15 does not match checkpoint 3 witnessed at witness.jsonl line 3"},
       "LIMIT without a witness: what is left is self-consistent"},
      // Someone holding the signing key (it is in the state directory).
      {"all checkpoints deleted, events rewritten, re-signed with the key",
       false,
       [](Copy& c) {
         c.Sql("DELETE FROM checkpoints;" + c.Rewrite(7));
         c.Resign();
       },
       {false, ""},
       {true, "checkpoint 1 differs from the one witness.jsonl line 1 holds"},
       "LIMIT without a witness: a valid signature by the real key"},
      {"last checkpoint deleted, events rewritten, re-signed with the key",
       false,
       [](Copy& c) {
         c.Sql("DELETE FROM checkpoints WHERE id = 3;" + c.Rewrite(12));
         c.Resign();
       },
       {false, ""},
       {true, "checkpoint 3 differs from the one witness.jsonl line 3 holds"},
       "LIMIT without a witness: a valid signature by the real key"},
      {"re-signed as above and the forgery published to the witness too",
       false,
       [](Copy& c) {
         c.Sql("DELETE FROM checkpoints WHERE id = 3;" + c.Rewrite(12));
         c.AppendToWitness(c.Resign());
       },
       {false, ""},
       {true, "witness.jsonl line 3 and line 4 hold two different checkpoints 3"},
       "a witness only appends: the first checkpoint 3 stays"},
      {"key replaced and every checkpoint re-signed with it",
       false,
       [](Copy& c) {
         c.Sql("DELETE FROM checkpoints;" + c.Rewrite(7));
         auto db = Database::Open(c.state, OpenMode::kReadWrite);
         REQUIRE(db.ok());
         REQUIRE(WriteCheckpoint(*db, c.state).ok());  // a fresh key, made in the copy
       },
       {true, "wrong --pubkey?"},
       {true, "wrong --pubkey?"},
       "the auditor's --pubkey is not the new key"},
      {"events after the last witnessed checkpoint rewritten and re-signed",
       false,
       [](Copy& c) {
         c.Sql(c.Rewrite(17));
         c.Resign();
       },
       {false, ""},
       {false, ""},
       "LIMIT: no checkpoint covered events 16-20 when they were rewritten"},
      // Exports.
      {"export: the last checkpoint line removed (header still \"complete\")",
       true,
       [](Copy& c) {
         c.EditExport(c.original.sealed_export(),
                      [](const json::object& o) { return IsCheckpoint(o, 3); });
       },
       {true, "checkpoint 3 was removed"},
       {true, "checkpoint 3 was removed"},
       "the end line counts three checkpoints"},
      {"export: cut after an event line",
       true,
       [](Copy& c) {
         c.EditExport(c.original.sealed_export(), [](const json::object& o) {
           return o.at("type") != "event" && o.at("type") != "header";
         });
       },
       {true, "without its end line"},
       {true, "without its end line"},
       "a version 2 export ends with its end line"},
      {"export: checkpoint line removed and the unsigned end line edited to match",
       true,
       [](Copy& c) {
         // The hash of checkpoint 2 is public arithmetic: anyone can redo the end line.
         std::optional<Checkpoint> second;
         for (const std::string& line : Lines(c.original.unsealed_export())) {
           json::object o = json::parse(line).as_object();
           if (o.at("type") == "checkpoint" && o.at("id") == 2) {
             auto read = CheckpointFromJson(o);
             REQUIRE(read.ok());
             second = *read;
           }
         }
         REQUIRE(second.has_value());
         auto sha = Sha256::Create();
         REQUIRE(sha.ok());
         Hash256 link{};
         REQUIRE(CheckpointHash(*second, *sha, &link));
         c.EditExport(
             c.original.unsealed_export(), [](const json::object& o) { return IsCheckpoint(o, 3); },
             [&](json::object& o) {
               if (o.at("type") != "end") return;
               o["checkpoints"] = 2;
               o["last_checkpoint"] = 2;
               o["last_checkpoint_hash"] = Hex(link);
             });
       },
       {false, ""},
       {true, "checkpoint 3 (events up to #15) is missing from the records"},
       "LIMIT without a witness: an unsigned end line can be recomputed"},
      {"export: checkpoint line removed and the signed end line edited to match",
       true,
       [](Copy& c) {
         c.EditExport(
             c.original.sealed_export(), [](const json::object& o) { return IsCheckpoint(o, 3); },
             [](json::object& o) {
               if (o.at("type") != "end") return;
               o["checkpoints"] = 2;
               o["last_checkpoint"] = 2;
             });
       },
       {true, "the end line's signature does not verify"},
       {true, "the end line's signature does not verify"},
       "the end line is signed with the checkpoint key"},
  };
}

std::string Cell(const Outcome& o) {
  if (!o.detected) return "not detected";
  std::string first = o.problems.substr(0, o.problems.find('\n'));
  if (first.size() > 90) first = first.substr(0, 87) + "...";
  return "detected: " + first;
}

TEST_CASE("tamper table: what verify detects with and without a witness, and why",
          "[checkpoint][witness][tamper-table]") {
  Original original;
  {
    // The untouched records pass both ways.
    Copy clean(original);
    CHECK_FALSE(VerifyCopy(clean, false).detected);
    CHECK_FALSE(VerifyCopy(clean, true).detected);
  }
  std::ostringstream table;
  table << "| Tampering | Without a witness (--pubkey) | With the witness | Why |\n"
        << "|---|---|---|---|\n";
  for (const Row& row : Rows()) {
    Copy copy(original);
    row.attack(copy);
    if (row.is_export) REQUIRE_FALSE(copy.export_text.empty());
    Outcome without = VerifyCopy(copy, false);
    Outcome with = VerifyCopy(copy, true);
    {
      INFO(row.name << " (without a witness)\n" << without.problems);
      CHECK(without.detected == row.without_witness.detected);
      if (row.without_witness.detected) {
        CHECK_THAT(without.problems, Catch::Contains(row.without_witness.contains));
      }
    }
    {
      INFO(row.name << " (with the witness)\n" << with.problems);
      CHECK(with.detected == row.with_witness.detected);
      if (row.with_witness.detected) {
        CHECK_THAT(with.problems, Catch::Contains(row.with_witness.contains));
      }
    }
    table << "| " << row.name << " | " << Cell(without) << " | " << Cell(with) << " | " << row.why
          << " |\n";
  }
  std::cout << "\n" << table.str() << std::flush;
}

}  // namespace
}  // namespace firedrill
