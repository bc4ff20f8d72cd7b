#include "orchestrator/store/drill_table.h"

#include <fmt/format.h>

#include <chrono>

#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

constexpr std::string_view kColumns =
    "id, title, service, owner, source_file, source_sha256, window_start_ms, window_end_ms, "
    "zone, created_ms";

SysTime FromMs(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

DrillRecord ReadDrill(const Statement& row) {
  DrillRecord d;
  d.id = row.ColumnText(0);
  d.title = row.ColumnText(1);
  d.service = row.ColumnText(2);
  d.owner = row.ColumnText(3);
  d.source_file = row.ColumnText(4);
  d.source_sha256 = row.ColumnText(5);
  d.window_start = FromMs(row.ColumnInt64(6));
  d.window_end = FromMs(row.ColumnInt64(7));
  d.zone = row.ColumnText(8);
  d.created = FromMs(row.ColumnInt64(9));
  return d;
}

}  // namespace

Status DrillTable::UpsertDrill(const DrillRecord& drill) {
  if (drill.id.empty()) return Error{"cannot record a drill without an id"};
  SysTime created = drill.created;
  if (created == SysTime{}) {
    created = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
  // A single statement is atomic on its own; no explicit transaction needed.
  auto stmt = Statement::Prepare(
      db_, fmt::format("INSERT INTO drills ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                       "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
                       "service = excluded.service, owner = excluded.owner, "
                       "source_file = excluded.source_file, "
                       "source_sha256 = excluded.source_sha256, "
                       "window_start_ms = excluded.window_start_ms, "
                       "window_end_ms = excluded.window_end_ms, zone = excluded.zone",
                       kColumns));
  if (!stmt) return stmt.error();
  for (Status st :
       {stmt->Bind(1, drill.id), stmt->Bind(2, drill.title), stmt->Bind(3, drill.service),
        stmt->Bind(4, drill.owner), stmt->Bind(5, drill.source_file),
        stmt->Bind(6, drill.source_sha256),
        stmt->Bind(7, drill.window_start.time_since_epoch().count()),
        stmt->Bind(8, drill.window_end.time_since_epoch().count()), stmt->Bind(9, drill.zone),
        stmt->Bind(10, created.time_since_epoch().count())}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Expected<std::vector<DrillRecord>> DrillTable::ListDrills() {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM drills ORDER BY window_start_ms, id", kColumns));
  if (!stmt) return stmt.error();
  std::vector<DrillRecord> drills;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    drills.push_back(ReadDrill(*stmt));
  }
  return drills;
}

Expected<std::optional<DrillRecord>> DrillTable::GetDrill(std::string_view id) {
  auto stmt = Statement::Prepare(db_, fmt::format("SELECT {} FROM drills WHERE id = ?1", kColumns));
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, id); !st) return st.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<DrillRecord>();
  return std::optional<DrillRecord>(ReadDrill(*stmt));
}

}  // namespace firedrill
