#include "tests/orchestrator/store/tamper_support.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <vector>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"

namespace firedrill::testing {

std::vector<NewEvent> StepEvents(int first, int last) {
  std::vector<NewEvent> batch;
  for (int seq = first; seq <= last; ++seq) {
    NewEvent e;
    e.drill_id = seq % 2 ? "drill-a" : "drill-b";
    e.kind = "step";
    e.actor = "orchestrator";
    e.payload_json = "{\"step\":" + std::to_string(seq) + "}";
    e.ts = SysTime(std::chrono::milliseconds(1'000 * seq));
    batch.push_back(std::move(e));
  }
  return batch;
}

void TamperSql(const std::filesystem::path& state_dir, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((state_dir / "firedrill.db").c_str(), &db) == SQLITE_OK);
  std::string script =
      "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; "
      "DROP TRIGGER IF EXISTS checkpoints_no_update; "
      "DROP TRIGGER IF EXISTS checkpoints_no_delete; " +
      sql;
  char* message = nullptr;
  int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &message);
  INFO((message != nullptr ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string RewriteEventsSql(const std::filesystem::path& state_dir, std::int64_t seq,
                             const std::string& payload) {
  std::vector<Event> events;
  {
    auto db = Database::Open(state_dir, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    REQUIRE(EventLog(*db)
                .ForEach([&](const Event& e) {
                  events.push_back(e);
                  return true;
                })
                .ok());
  }
  REQUIRE(seq >= 1);
  REQUIRE(static_cast<std::size_t>(seq) <= events.size());
  auto sha = Sha256::Create();
  REQUIRE(sha.ok());
  std::vector<unsigned char> scratch;
  std::string sql;
  Hash256 prev = seq > 1 ? events[static_cast<std::size_t>(seq) - 2].hash : Hash256{};
  for (std::size_t i = static_cast<std::size_t>(seq) - 1; i < events.size(); ++i) {
    Event& e = events[i];
    if (e.seq == seq) e.payload_json = payload;
    e.prev_hash = prev;
    REQUIRE(HashEvent({e.prev_hash, e.seq, e.ts.time_since_epoch().count(), e.drill_id, e.kind,
                       e.actor, e.payload_json},
                      *sha, &scratch, &e.hash));
    sql += "UPDATE events SET payload = '" + e.payload_json + "', prev_hash = X'" +
           Hex(e.prev_hash) + "', hash = X'" + Hex(e.hash) +
           "' WHERE seq = " + std::to_string(e.seq) + ";";
    prev = e.hash;
  }
  return sql;
}

}  // namespace firedrill::testing
