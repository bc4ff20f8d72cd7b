#include "orchestrator/store/blackout_table.h"

#include <chrono>

#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

std::int64_t Ms(SysTime t) { return t.time_since_epoch().count(); }

}  // namespace

Status BlackoutTable::Add(const Blackout& b, const std::string& by) {
  if (b.name.empty()) return Error{"a blackout needs a name"};
  if (b.end <= b.start) return Error{"a blackout must end after it starts"};
  auto stmt = Statement::Prepare(db_,
                                 "INSERT INTO blackouts (name, start_ms, end_ms, created_by, "
                                 "created_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  std::int64_t now =
      Ms(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  for (Status st : {stmt->Bind(1, b.name), stmt->Bind(2, Ms(b.start)), stmt->Bind(3, Ms(b.end)),
                    stmt->Bind(4, by), stmt->Bind(5, now)}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Expected<std::vector<Blackout>> BlackoutTable::Current(SysTime now) {
  auto stmt = Statement::Prepare(
      db_, "SELECT name, start_ms, end_ms FROM blackouts WHERE end_ms > ?1 ORDER BY start_ms, id");
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, Ms(now)); !st) return st.error();
  std::vector<Blackout> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    Blackout b;
    b.name = std::string(stmt->ColumnText(0));
    b.start = SysTime(std::chrono::milliseconds(stmt->ColumnInt64(1)));
    b.end = SysTime(std::chrono::milliseconds(stmt->ColumnInt64(2)));
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace firedrill
