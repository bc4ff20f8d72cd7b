// Exports: JSONL and CSV carry every field an event's hash covers, so the chain can be checked
// from the export alone (here re-hashed independently of VerifyExport, too), and a tampered
// export is caught like a tampered database.
#include "orchestrator/store/record_export.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/export_verify.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/signing_key.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::TempDir;

// Payloads chosen to need CSV quoting and JSON escaping.
const std::vector<std::string> kPayloads = {
    "{}",
    "{\"note\":\"a, b and \\\"c\\\"\"}",
    "{\"lines\":\"one\\ntwo\\r\\nthree\"}",
    "{\"unicode\":\"K\\u00f8benhavn \xe2\x9c\x93\"}",
    "{ \"spaced\" : [1, 2.50, 3e2] }",  // stored verbatim, never re-serialized
};

// Two drills of two services, 12 events, checkpoints after events 6 and 12, one event after.
class ExportFixture {
 public:
  ExportFixture() {
    auto db = Database::Open(state(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    for (const auto& [id, service, day] :
         {std::tuple{"checkout-db", "checkout", 1}, std::tuple{"search-dns", "search", 20}}) {
      DrillRecord d;
      d.id = id;
      d.title = id;
      d.service = service;
      d.owner = "lead@example.com";
      d.zone = "UTC";
      d.window_start = SysTime(std::chrono::days(20'500 + day));
      d.window_end = d.window_start + std::chrono::hours(1);
      REQUIRE(DrillTable(*db).UpsertDrill(d).ok());
    }
    EventLog log(*db);
    for (int seq = 1; seq <= 13; ++seq) {
      NewEvent e;
      e.drill_id = seq <= 7 ? "checkout-db" : "search-dns";
      e.kind = seq % 3 == 0 ? "probe-red" : "step";
      e.actor = seq == 4 ? "Lead, \"Ops\"" : "orchestrator";
      e.payload_json = kPayloads[static_cast<std::size_t>(seq) % kPayloads.size()];
      // Day 20501 for the first drill, day 20520 for the second, with milliseconds.
      e.ts = SysTime(std::chrono::days(seq <= 7 ? 20'501 : 20'520)) +
             std::chrono::milliseconds(1'234 * seq);
      REQUIRE(log.Append(e).ok());
      if (seq == 6 || seq == 12) REQUIRE(WriteCheckpoint(*db, state()).ok());
    }
    auto key = SigningKey::LoadFromStateDir(state());
    REQUIRE(key.ok());
    key_.emplace(std::move(**key));
  }

  fs::path state() const { return tmp_.path() / "state"; }
  const SigningKey& key() const { return *key_; }

  std::string Export(const ExportOptions& options) {
    auto db = Database::Open(state(), OpenMode::kReadOnly);
    REQUIRE(db.ok());
    std::ostringstream out;
    auto counts = ExportRecords(*db, options, out);
    INFO((counts.ok() ? "" : counts.error().message));
    REQUIRE(counts.ok());
    return out.str();
  }

  std::vector<Event> Events() {
    auto db = Database::Open(state(), OpenMode::kReadOnly);
    REQUIRE(db.ok());
    std::vector<Event> out;
    REQUIRE(EventLog(*db)
                .ForEach([&](const Event& e) {
                  out.push_back(e);
                  return true;
                })
                .ok());
    return out;
  }

 private:
  TempDir tmp_;
  std::optional<SigningKey> key_;
};

RecordsReport VerifyText(const std::string& text, const SigningKey* key) {
  std::istringstream in(text);
  auto report = VerifyExport(in, "export.jsonl", key);
  INFO((report.ok() ? "" : report.error().message));
  REQUIRE(report.ok());
  return *report;
}

using firedrill::testing::Join;
using firedrill::testing::Lines;

Hash256 FromHex(std::string_view hex) {
  Hash256 h{};
  REQUIRE(hex.size() == 64);
  for (std::size_t i = 0; i < 32; ++i) {
    h[i] = static_cast<unsigned char>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return h;
}

// The test's own re-hash of one exported event, from its fields only, with the event_hash
// encoding; checks the hash and the link to `prev`, and returns the hash.
Hash256 Rehash(std::int64_t seq, std::string_view ts, std::string_view drill, std::string_view kind,
               std::string_view actor, std::string_view payload, std::string_view prev_hex,
               std::string_view hash_hex, const Hash256& prev) {
  auto ms = ParseExportTime(ts);
  REQUIRE(ms.has_value());
  Hash256 stored_prev = FromHex(prev_hex);
  CHECK(stored_prev == prev);
  std::vector<unsigned char> bytes;
  EncodeEventForHash({stored_prev, seq, *ms, drill, kind, actor, payload}, &bytes);
  auto sha = Sha256::Create();
  REQUIRE(sha.ok());
  Hash256 computed{};
  REQUIRE(sha->Hash(bytes, &computed));
  CHECK(Hex(computed) == hash_hex);
  return computed;
}

// A small RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks;
// records end with CRLF.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      REQUIRE(field.empty());  // quotes only around a whole field
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r') {
      REQUIRE(i + 1 < text.size());
      REQUIRE(text[i + 1] == '\n');  // records end with CRLF, never a bare CR
      ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      REQUIRE(c != '\n');  // a bare LF only ever appears inside quotes
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(field.empty());
  REQUIRE(row.empty());
  return rows;
}

TEST_CASE("a JSONL export verifies on its own and re-hashes independently", "[export]") {
  ExportFixture f;
  std::string text = f.Export({});
  std::vector<std::string> lines = Lines(text);
  REQUIRE(lines.size() == 1 + 13 + 2 + 1);

  json::object header = json::parse(lines[0]).as_object();
  CHECK(header.at("type") == "header");
  CHECK(header.at("complete") == true);

  // Independently of VerifyExport: every event's fields re-hashed, linked, and the checkpoints'
  // heads found among them.
  std::vector<Event> stored = f.Events();
  Hash256 prev{};
  std::map<std::int64_t, Hash256> hashes;
  for (std::size_t i = 1; i <= 13; ++i) {
    json::object o = json::parse(lines[i]).as_object();
    CHECK(o.at("type") == "event");
    const Event& e = stored[i - 1];
    CHECK(o.at("seq").as_int64() == e.seq);
    CHECK(o.at("ts").as_string() == FormatUtc(e.ts));
    CHECK(o.at("payload").as_string() == e.payload_json);  // verbatim, spacing included
    prev = Rehash(o.at("seq").as_int64(), o.at("ts").as_string(), o.at("drill").as_string(),
                  o.at("kind").as_string(), o.at("actor").as_string(), o.at("payload").as_string(),
                  o.at("prev_hash").as_string(), o.at("hash").as_string(), prev);
    hashes[o.at("seq").as_int64()] = prev;
  }
  for (std::size_t i = 14; i <= 15; ++i) {
    json::object o = json::parse(lines[i]).as_object();
    CHECK(o.at("type") == "checkpoint");
    CHECK(o.at("id").as_int64() == static_cast<std::int64_t>(i) - 13);
    CHECK(Hex(hashes.at(o.at("seq").as_int64())) == o.at("head_hash").as_string());
    CHECK(o.at("signature").as_string().size() == 128);
    CHECK(o.at("version") == 2);
    CHECK(o.at("prev_seq") == (i == 14 ? 0 : 6));
  }
  json::object end = json::parse(lines[16]).as_object();
  CHECK(end.at("type") == "end");
  CHECK(end.at("events") == 13);
  CHECK(end.at("last_seq") == 13);
  CHECK(end.at("head_hash").as_string() == Hex(stored.back().hash));
  CHECK(end.at("checkpoints") == 2);
  CHECK(end.at("last_checkpoint") == 2);
  CHECK_FALSE(end.contains("signature"));  // exported without the key

  RecordsReport r = VerifyText(text, &f.key());
  CHECK(r.ok());
  CHECK(r.chain.events_checked == 13);
  CHECK(r.checkpoints.verified == 2);
  CHECK(r.EventsNotCovered() == 1);
  CHECK(r.chain.head_hash == stored.back().hash);
  REQUIRE(r.notes.size() == 1);
  CHECK_THAT(r.notes[0], Catch::Contains("the end line is not signed"));

  // Signed with the checkpoint key, the end line verifies with the public key.
  ExportOptions sealed;
  auto private_key = SigningKey::LoadFromStateDir(f.state());
  REQUIRE(private_key.ok());
  sealed.seal_key = &**private_key;
  RecordsReport s = VerifyText(f.Export(sealed), &f.key());
  CHECK(s.ok());
  CHECK(s.notes.empty());
}

TEST_CASE("a CSV export round-trips through an RFC 4180 reader and re-hashes", "[export]") {
  ExportFixture f;
  ExportOptions options;
  options.format = ExportFormat::kCsv;
  options.what = ExportWhat::kEvents;
  std::string text = f.Export(options);
  auto rows = ParseCsv(text);
  REQUIRE(rows.size() == 1 + 13);
  CHECK(rows[0] == std::vector<std::string>{"seq", "ts", "drill", "kind", "actor", "payload",
                                            "prev_hash", "hash"});
  std::vector<Event> stored = f.Events();
  Hash256 prev{};
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == 8);
    const Event& e = stored[i - 1];
    CHECK(row[4] == e.actor);
    CHECK(row[5] == e.payload_json);
    prev = Rehash(std::stoll(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], prev);
  }
  CHECK(prev == stored.back().hash);

  options.what = ExportWhat::kCheckpoints;
  auto cps = ParseCsv(f.Export(options));
  REQUIRE(cps.size() == 3);
  CHECK(cps[0] == std::vector<std::string>{"id", "seq", "ts", "head_hash", "prev_hash", "key_id",
                                           "signature", "version", "prev_seq"});
  CHECK(cps[2][7] == "2");
  CHECK(cps[2][8] == "6");
  CHECK(cps[2][1] == "12");
  CHECK(cps[2][3] == Hex(stored[11].hash));
  CHECK(cps[2][5] == f.key().id());
}

TEST_CASE("CSV fields are quoted only when they need it", "[export]") {
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("") == "");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField("cr\r") == "\"cr\r\"");
}

TEST_CASE("export times parse back to the same instant", "[export]") {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 86'399'999LL, 951'782'400'123LL, 1'795'319'288'899LL,
                          4'102'444'799'999LL}) {
    SysTime t{std::chrono::milliseconds(ms)};
    auto back = ParseExportTime(FormatUtc(t));
    REQUIRE(back.has_value());
    CHECK(*back == ms);
  }
  CHECK(ParseExportTime("2026-02-29T00:00:00.000Z") == std::nullopt);  // not a leap year
  CHECK(ParseExportTime("2028-02-29T00:00:00.000Z").has_value());
  CHECK(ParseExportTime("2026-01-31T09:00:00Z") == std::nullopt);
  CHECK(ParseExportTime("2026-01-31T24:00:00.000Z") == std::nullopt);
  CHECK(ParseExportTime("2026-01-31 09:00:00.000Z") == std::nullopt);
}

TEST_CASE("a tampered JSONL export fails verification naming what is wrong", "[export]") {
  ExportFixture f;
  std::vector<std::string> lines = Lines(f.Export({}));
  auto edit = [&](std::size_t line, const char* field, json::value v) {
    json::object o = json::parse(lines[line]).as_object();
    o[field] = std::move(v);
    lines[line] = json::serialize(o);
  };
  SECTION("an edited payload") {
    edit(5, "payload", "{\"step\":\"edited\"}");
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK_FALSE(r.ok());
    CHECK(r.FirstBadSeq() == 5);
    CHECK_THAT(r.chain.problem, Catch::Contains("event 5 was altered"));
  }
  SECTION("an edited timestamp") {
    edit(3, "ts", "2026-01-01T00:00:00.000Z");
    CHECK(VerifyText(Join(lines), &f.key()).FirstBadSeq() == 3);
  }
  SECTION("a deleted event") {
    lines.erase(lines.begin() + 4);
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK(r.FirstBadSeq() == 4);
    CHECK_THAT(r.chain.problem, Catch::Contains("event 4 missing"));
  }
  SECTION("events truncated below the last checkpoint") {
    lines.erase(lines.begin() + 10, lines.begin() + 14);  // events 10-13 gone
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK(r.chain.ok);
    CHECK_FALSE(r.ok());
    CHECK(r.FirstBadSeq() == 10);
    CHECK(r.checkpoints.bad_checkpoint == 2);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("events 10..12 missing (truncated?)"));
  }
  SECTION("a forged checkpoint") {
    edit(15, "seq", 13);
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK_FALSE(r.ok());
    CHECK(r.checkpoints.bad_checkpoint == 2);
    CHECK_THAT(r.checkpoints.problem, Catch::Contains("checkpoint 2 was altered or forged"));
  }
  SECTION("a line that is not a record is named") {
    lines[7] = "{\"type\":\"event\",\"seq\":7";
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK_FALSE(r.ok());
    CHECK_THAT(r.chain.problem, Catch::Contains("export.jsonl line 8: not a valid export record"));
  }
  SECTION("a hash that is not hex is named") {
    edit(2, "hash", "xyz");
    RecordsReport r = VerifyText(Join(lines), &f.key());
    CHECK_THAT(r.chain.problem, Catch::Contains("line 3"));
    CHECK_THAT(r.chain.problem, Catch::Contains("\"hash\""));
  }
}

TEST_CASE("an export whose checkpoint lines were cut by hand fails, naming what is missing",
          "[export]") {
  // The header still says "complete": true; only the checkpoint lines are gone.
  ExportFixture f;
  std::vector<std::string> lines = Lines(f.Export({}));
  auto drop_checkpoints = [&](std::int64_t from_id) {
    std::vector<std::string> kept;
    for (const std::string& line : lines) {
      json::object o = json::parse(line).as_object();
      if (o.at("type") == "checkpoint" && o.at("id").as_int64() >= from_id) continue;
      kept.push_back(line);
    }
    REQUIRE(kept.size() < lines.size());
    return Join(kept);
  };
  SECTION("the last checkpoint") {
    RecordsReport r = VerifyText(drop_checkpoints(2), &f.key());
    CHECK(r.chain.ok);
    CHECK_FALSE(r.ok());
    std::string all;
    for (const std::string& p : r.Problems()) all += p + "\n";
    CHECK_THAT(all, Catch::Contains("checkpoint 2"));
    CHECK_THAT(all, Catch::Contains("removed"));
  }
  SECTION("every checkpoint") {
    RecordsReport r = VerifyText(drop_checkpoints(1), &f.key());
    CHECK_FALSE(r.ok());
    std::string all;
    for (const std::string& p : r.Problems()) all += p + "\n";
    CHECK_THAT(all, Catch::Contains("checkpoints 1..2"));
  }
}

TEST_CASE("only complete JSONL exports can be verified on their own", "[export]") {
  ExportFixture f;
  ExportOptions filtered;
  filtered.filter.service = "checkout";
  std::istringstream partial(f.Export(filtered));
  auto r = VerifyExport(partial, "checkout.jsonl", &f.key());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("checkout.jsonl is a partial export"));

  std::istringstream csv("seq,ts\r\n");
  auto c = VerifyExport(csv, "events.csv", &f.key());
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().message, Catch::Contains("events.csv is not a firedrill JSONL export"));

  std::istringstream whole(f.Export({}));
  auto no_key = VerifyExport(whole, "all.jsonl", nullptr);
  REQUIRE_FALSE(no_key.ok());
  CHECK_THAT(no_key.error().message, Catch::Contains("--pubkey"));
}

TEST_CASE("export filters by service and time, and CSV needs one table", "[export]") {
  ExportFixture f;
  auto events_in = [&](const ExportOptions& options) {
    std::vector<std::int64_t> seqs;
    for (const std::string& line : Lines(f.Export(options))) {
      json::object o = json::parse(line).as_object();
      if (o.at("type") == "event") seqs.push_back(o.at("seq").as_int64());
    }
    return seqs;
  };
  ExportOptions by_service;
  by_service.filter.service = "search";
  CHECK(events_in(by_service) == std::vector<std::int64_t>{8, 9, 10, 11, 12, 13});

  ExportOptions by_time;
  by_time.filter.from = SysTime(std::chrono::days(20'501)) + std::chrono::milliseconds(1'234 * 3);
  by_time.filter.until = SysTime(std::chrono::days(20'502));
  CHECK(events_in(by_time) == std::vector<std::int64_t>{3, 4, 5, 6, 7});
  json::object header = json::parse(Lines(f.Export(by_time))[0]).as_object();
  CHECK(header.at("complete") == false);
  CHECK(header.at("filter").at("until").as_string() == "2026-02-18T00:00:00.000Z");

  auto db = Database::Open(f.state(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  std::ostringstream out;
  ExportOptions csv_all;
  csv_all.format = ExportFormat::kCsv;
  csv_all.what = ExportWhat::kAll;
  CHECK_FALSE(ExportRecords(*db, csv_all, out).ok());
}

}  // namespace
}  // namespace firedrill
