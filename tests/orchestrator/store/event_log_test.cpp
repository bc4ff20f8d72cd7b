#include "orchestrator/store/event_log.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_hash.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

using testing::TempDir;

Database OpenRw(const fs::path& dir) {
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  return std::move(*db);
}

NewEvent Ev(std::string drill, std::string kind, std::string payload = "{}") {
  NewEvent e;
  e.drill_id = std::move(drill);
  e.kind = std::move(kind);
  e.actor = "tester";
  e.payload_json = std::move(payload);
  return e;
}

TEST_CASE("append numbers events 1, 2, 3 and chains each to the previous hash", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  auto first = log.Append(Ev("d1", "planned"));
  REQUIRE(first.ok());
  auto second = log.Append(Ev("d1", "started"));
  REQUIRE(second.ok());
  auto third = log.Append(Ev("d2", "planned"));
  REQUIRE(third.ok());

  CHECK(first->seq == 1);
  CHECK(second->seq == 2);
  CHECK(third->seq == 3);
  CHECK(first->prev_hash == Hash256{});
  CHECK(second->prev_hash == first->hash);
  CHECK(third->prev_hash == second->hash);
  CHECK(first->hash != second->hash);
}

TEST_CASE("events are read back per drill, in order, exactly as appended", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  NewEvent a = Ev("d1", "planned", R"({"faults":2})");
  a.ts = SysTime(milliseconds(1'700'000'000'123));
  REQUIRE(log.Append(a).ok());
  REQUIRE(log.Append(Ev("d2", "planned")).ok());
  auto appended = log.Append(Ev("d1", "fault-injected", R"({"fault":"cpu-1","n":[1,2]})"));
  REQUIRE(appended.ok());

  auto events = log.ForDrill("d1");
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  const Event& e0 = (*events)[0];
  CHECK(e0.seq == 1);
  CHECK(e0.ts == SysTime(milliseconds(1'700'000'000'123)));
  CHECK(e0.drill_id == "d1");
  CHECK(e0.kind == "planned");
  CHECK(e0.actor == "tester");
  CHECK(e0.payload_json == R"({"faults":2})");
  const Event& e1 = (*events)[1];
  CHECK(e1.seq == 3);
  CHECK(e1.payload_json == R"({"fault":"cpu-1","n":[1,2]})");
  CHECK(e1.hash == appended->hash);
  CHECK(e1.prev_hash == appended->prev_hash);

  auto none = log.ForDrill("nope");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("the log is read from a seq on and summarized per drill", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  for (int i = 0; i < 5; ++i) {
    NewEvent e = Ev(i % 2 == 0 ? "even" : "odd", "planned");
    e.ts = SysTime(milliseconds(1'000 * (i + 1)));
    REQUIRE(log.Append(e).ok());
  }
  std::vector<std::int64_t> after;
  REQUIRE(log.ForEachAfter(3,
                           [&](const Event& e) {
                             after.push_back(e.seq);
                             return true;
                           })
              .ok());
  CHECK(after == std::vector<std::int64_t>{4, 5});
  after.clear();
  REQUIRE(log.ForEachAfter(5,
                           [&](const Event& e) {
                             after.push_back(e.seq);
                             return true;
                           })
              .ok());
  CHECK(after.empty());
  auto summary = log.SummaryByDrill();
  REQUIRE(summary.ok());
  REQUIRE(summary->size() == 2);
  CHECK(summary->at("even").count == 3);
  CHECK(summary->at("even").first == SysTime(milliseconds(1'000)));
  CHECK(summary->at("even").last == SysTime(milliseconds(5'000)));
  CHECK(summary->at("odd").count == 2);
  CHECK(summary->at("odd").last == SysTime(milliseconds(4'000)));
}

TEST_CASE("append stamps events with the current time when none is given", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  auto before = std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
  auto e = log.Append(Ev("d", "k"));
  auto after = std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
  REQUIRE(e.ok());
  CHECK(e->ts >= before);
  CHECK(e->ts <= after);
}

TEST_CASE("append refuses a payload that is not JSON and records nothing", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  for (const char* bad : {"", "{", "{\"a\":}", "not json", "{} trailing"}) {
    auto e = log.Append(Ev("d", "note", bad));
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(e.error().message, Catch::Contains("not valid JSON"));
  }
  auto all = log.ForDrill("d");
  REQUIRE(all.ok());
  CHECK(all->empty());
}

TEST_CASE("append refuses an event without kind or actor", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  CHECK_FALSE(log.Append(Ev("d", "")).ok());
  NewEvent no_actor = Ev("d", "k");
  no_actor.actor.clear();
  CHECK_FALSE(log.Append(no_actor).ok());
}

TEST_CASE("the event hash is SHA-256 of the documented canonical encoding", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  NewEvent in = Ev("drill-7", "ack", R"({"by":"alice"})");
  in.actor = "alice";
  in.ts = SysTime(milliseconds(42));
  auto e = log.Append(in);
  REQUIRE(e.ok());

  // Built by hand, independently of EncodeEventForHash.
  std::vector<unsigned char> bytes(32, 0);                       // genesis prev_hash
  for (int i = 0; i < 8; ++i) bytes.push_back(i == 0 ? 1 : 0);   // seq 1
  for (int i = 0; i < 8; ++i) bytes.push_back(i == 0 ? 42 : 0);  // ts 42
  for (std::string s : {"drill-7", "ack", "alice", R"({"by":"alice"})"}) {
    for (int i = 0; i < 8; ++i) bytes.push_back(i == 0 ? static_cast<unsigned char>(s.size()) : 0);
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  std::vector<unsigned char> encoded;
  EncodeEventForHash({e->prev_hash, 1, 42, "drill-7", "ack", "alice", R"({"by":"alice"})"},
                     &encoded);
  CHECK(encoded == bytes);

  Hash256 expected{};
  unsigned int len = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), expected.data(), &len, EVP_sha256(), nullptr) ==
          1);
  CHECK(e->hash == expected);
  CHECK(Hex(e->hash).size() == 64);
}

TEST_CASE("Hex writes lowercase hex, most significant byte first", "[store]") {
  Hash256 h{};
  h[0] = 0xab;
  h[31] = 0x0f;
  CHECK(Hex(h) == "ab" + std::string(60, '0') + "0f");
}

TEST_CASE("a batch append continues the same chain", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  REQUIRE(log.Append(Ev("d", "first")).ok());
  std::vector<NewEvent> batch;
  for (int i = 0; i < 50; ++i)
    batch.push_back(Ev("d", "tick", "{\"i\":" + std::to_string(i) + "}"));
  auto last = log.AppendBatch(batch);
  REQUIRE(last.ok());
  CHECK(*last == 51);
  REQUIRE(log.Append(Ev("d", "last")).ok());

  auto report = log.Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events_checked == 52);

  auto empty = log.AppendBatch({});
  REQUIRE(empty.ok());
  CHECK(*empty == 52);
}

TEST_CASE("a batch with one bad event records nothing", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  std::vector<NewEvent> batch = {Ev("d", "a"), Ev("d", "b", "{oops"), Ev("d", "c")};
  auto last = log.AppendBatch(batch);
  REQUIRE_FALSE(last.ok());
  auto events = log.ForDrill("d");
  REQUIRE(events.ok());
  CHECK(events->empty());
}

TEST_CASE("ForEach visits every event in seq order and stops when told", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  for (int i = 0; i < 5; ++i) REQUIRE(log.Append(Ev(i % 2 ? "odd" : "even", "k")).ok());
  std::vector<std::int64_t> seqs;
  REQUIRE(log.ForEach([&](const Event& e) {
               seqs.push_back(e.seq);
               return true;
             })
              .ok());
  CHECK(seqs == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  seqs.clear();
  REQUIRE(log.ForEach([&](const Event& e) {
               seqs.push_back(e.seq);
               return e.seq < 2;
             })
              .ok());
  CHECK(seqs == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("verify passes on a clean chain and reports its head", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  Expected<Event> last = Error{"none yet"};
  for (int i = 0; i < 20; ++i) last = log.Append(Ev("d", "k", "[" + std::to_string(i) + "]"));
  REQUIRE(last.ok());
  auto report = log.Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events_checked == 20);
  CHECK_FALSE(report->first_bad_seq.has_value());
  CHECK(report->problem.empty());
  CHECK(report->head_hash == last->hash);
}

TEST_CASE("verify passes on an empty log", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  auto report = EventLog(db).Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events_checked == 0);
  CHECK(report->head_hash == Hash256{});
}

TEST_CASE("a read-only database can be verified but not appended to", "[store]") {
  TempDir tmp;
  {
    Database db = OpenRw(tmp.path());
    REQUIRE(EventLog(db).Append(Ev("d", "k")).ok());
  }
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  EventLog log(*db);
  CHECK_FALSE(log.Append(Ev("d", "k")).ok());
  auto report = log.Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->events_checked == 1);
}

TEST_CASE("the events table refuses UPDATE and DELETE", "[store]") {
  TempDir tmp;
  Database db = OpenRw(tmp.path());
  EventLog log(db);
  REQUIRE(log.Append(Ev("d", "k", R"({"a":1})")).ok());
  Status update = db.Exec("UPDATE events SET payload = '{\"a\":2}' WHERE seq = 1");
  REQUIRE_FALSE(update.ok());
  CHECK_THAT(update.error().message, Catch::Contains("append-only"));
  Status del = db.Exec("DELETE FROM events WHERE seq = 1");
  REQUIRE_FALSE(del.ok());
  CHECK_THAT(del.error().message, Catch::Contains("append-only"));
  auto events = log.ForDrill("d");
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].payload_json == R"({"a":1})");
}

// Appends `n` events for `drill` through its own connection; returns false on any failure.
bool AppendMany(const fs::path& dir, const std::string& drill, int n) {
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db.ok()) return false;
  EventLog log(*db);
  for (int i = 0; i < n; ++i) {
    if (!log.Append(Ev(drill, "tick", "{\"i\":" + std::to_string(i) + "}")).ok()) return false;
  }
  return true;
}

void CheckBothWritersLanded(const fs::path& dir, int per_writer) {
  Database db = OpenRw(dir);
  EventLog log(db);
  auto report = log.Verify();
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok);
  CHECK(report->events_checked == 2 * per_writer);
  for (const char* drill : {"writer-a", "writer-b"}) {
    auto events = log.ForDrill(drill);
    REQUIRE(events.ok());
    REQUIRE(events->size() == static_cast<std::size_t>(per_writer));
    // Each writer's own events keep their order.
    for (int i = 0; i < per_writer; ++i) {
      CHECK((*events)[i].payload_json == "{\"i\":" + std::to_string(i) + "}");
    }
  }
}

TEST_CASE("two processes appending at once both succeed and keep the chain valid", "[store]") {
  TempDir tmp;
  constexpr int kPerWriter = 500;
  // Create the database first, and hold no connection across fork() (SQLite forbids it).
  { Database db = OpenRw(tmp.path()); }
  std::vector<pid_t> children;
  for (const char* drill : {"writer-a", "writer-b"}) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(AppendMany(tmp.path(), drill, kPerWriter) ? 0 : 1);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CheckBothWritersLanded(tmp.path(), kPerWriter);
}

TEST_CASE("two threads with their own connections append at once without losing events",
          "[store]") {
  TempDir tmp;
  constexpr int kPerWriter = 200;
  { Database db = OpenRw(tmp.path()); }
  bool ok_a = false;
  bool ok_b = false;
  std::thread a([&] { ok_a = AppendMany(tmp.path(), "writer-a", kPerWriter); });
  std::thread b([&] { ok_b = AppendMany(tmp.path(), "writer-b", kPerWriter); });
  a.join();
  b.join();
  CHECK(ok_a);
  CHECK(ok_b);
  CheckBothWritersLanded(tmp.path(), kPerWriter);
}

}  // namespace
}  // namespace firedrill
