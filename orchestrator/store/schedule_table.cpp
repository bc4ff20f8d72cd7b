#include "orchestrator/store/schedule_table.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <chrono>

#include "orchestrator/store/event_log.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kColumns =
    "drill_id, drill_file, drill_source, state, sequence, announced_ms, next_start_ms, "
    "next_end_ms, targets, lead_override, reminded_ms, updated_ms, notified_sequence";

SysTime FromMs(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }
std::int64_t Ms(SysTime t) { return t.time_since_epoch().count(); }

std::optional<ScheduleState> ParseState(std::string_view s) {
  for (ScheduleState st : {ScheduleState::kScheduled, ScheduleState::kRunning, ScheduleState::kDone,
                           ScheduleState::kCancelled}) {
    if (ScheduleStateName(st) == s) return st;
  }
  return std::nullopt;
}

ScheduleRecord ReadRecord(const Statement& row) {
  ScheduleRecord r;
  r.drill_id = row.ColumnText(0);
  r.drill_file = row.ColumnText(1);
  r.drill_source = row.ColumnText(2);
  r.state = ParseState(row.ColumnText(3)).value_or(ScheduleState::kCancelled);
  r.sequence = static_cast<int>(row.ColumnInt64(4));
  r.announced = FromMs(row.ColumnInt64(5));
  r.next_start = FromMs(row.ColumnInt64(6));
  r.next_end = FromMs(row.ColumnInt64(7));
  boost::system::error_code ec;
  json::value targets = json::parse(row.ColumnText(8), ec);
  if (!ec && targets.is_array()) {
    for (const json::value& t : targets.as_array()) {
      if (t.is_string()) r.targets.emplace_back(t.as_string());
    }
  }
  r.lead_override = row.ColumnText(9);
  if (std::int64_t reminded = row.ColumnInt64(10); reminded != 0) r.reminded = FromMs(reminded);
  r.updated = FromMs(row.ColumnInt64(11));
  r.notified_sequence = static_cast<int>(row.ColumnInt64(12));
  return r;
}

// Steps `stmt` to the end, reading every row as a record.
Expected<std::vector<ScheduleRecord>> ReadAll(Statement& stmt) {
  std::vector<ScheduleRecord> out;
  for (;;) {
    auto row = stmt.Step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(ReadRecord(stmt));
  }
}

// "WHERE state IN ('a', 'b')" for the given states (names are constants, not input).
std::string StateFilter(const std::vector<ScheduleState>& states, std::string_view column) {
  if (states.empty()) return "";
  std::string sql = fmt::format(" WHERE {} IN (", column);
  for (std::size_t i = 0; i < states.size(); ++i) {
    sql += fmt::format("{}'{}'", i == 0 ? "" : ", ", ScheduleStateName(states[i]));
  }
  return sql + ")";
}

}  // namespace

bool Repeats(std::string_view drill_source) {
  return drill_source.find("repeat") != std::string_view::npos;
}

std::string_view ScheduleStateName(ScheduleState state) {
  switch (state) {
    case ScheduleState::kScheduled:
      return "scheduled";
    case ScheduleState::kRunning:
      return "running";
    case ScheduleState::kDone:
      return "done";
    case ScheduleState::kCancelled:
      return "cancelled";
  }
  return "cancelled";
}

Status ScheduleTable::Put(const ScheduleRecord& r) {
  if (r.drill_id.empty()) return Error{"cannot schedule a drill without an id"};
  auto stmt = Statement::Prepare(
      db_, fmt::format("INSERT OR REPLACE INTO schedules ({}, repeats) VALUES (?1, ?2, ?3, ?4, ?5, "
                       "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                       kColumns));
  if (!stmt) return stmt.error();
  std::int64_t now =
      Ms(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  std::string targets = json::serialize(json::value_from(r.targets));
  for (Status st :
       {stmt->Bind(1, r.drill_id), stmt->Bind(2, r.drill_file), stmt->Bind(3, r.drill_source),
        stmt->Bind(4, ScheduleStateName(r.state)),
        stmt->Bind(5, static_cast<std::int64_t>(r.sequence)), stmt->Bind(6, Ms(r.announced)),
        stmt->Bind(7, Ms(r.next_start)), stmt->Bind(8, Ms(r.next_end)), stmt->Bind(9, targets),
        stmt->Bind(10, r.lead_override),
        stmt->Bind(11, r.reminded ? Ms(*r.reminded) : std::int64_t{0}), stmt->Bind(12, now),
        stmt->Bind(13, static_cast<std::int64_t>(r.notified_sequence)),
        stmt->Bind(14, std::int64_t{Repeats(r.drill_source) ? 1 : 0})}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Expected<std::optional<ScheduleRecord>> ScheduleTable::Get(std::string_view drill_id) {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM schedules WHERE drill_id = ?1", kColumns));
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, drill_id); !st) return st.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<ScheduleRecord>();
  return std::optional<ScheduleRecord>(ReadRecord(*stmt));
}

Expected<std::vector<ScheduleRecord>> ScheduleTable::List(
    const std::vector<ScheduleState>& states) {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM schedules{} ORDER BY next_start_ms, drill_id", kColumns,
                       StateFilter(states, "state")));
  if (!stmt) return stmt.error();
  return ReadAll(*stmt);
}

Expected<std::vector<ScheduleListing>> ScheduleTable::Listing(
    const std::vector<ScheduleState>& states) {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT s.drill_id, d.title, d.service, d.zone, s.state, s.next_start_ms, "
                       "s.next_end_ms FROM schedules s LEFT JOIN drills d ON d.id = s.drill_id{} "
                       "ORDER BY s.next_start_ms, s.drill_id",
                       StateFilter(states, "s.state")));
  if (!stmt) return stmt.error();
  std::vector<ScheduleListing> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(
        ScheduleListing{std::string(stmt->ColumnText(0)), std::string(stmt->ColumnText(1)),
                        std::string(stmt->ColumnText(2)), std::string(stmt->ColumnText(3)),
                        ParseState(stmt->ColumnText(4)).value_or(ScheduleState::kCancelled),
                        FromMs(stmt->ColumnInt64(5)), FromMs(stmt->ColumnInt64(6))});
  }
  return out;
}

Expected<std::vector<ScheduleRecord>> ScheduleTable::MayOverlap(SysTime from, SysTime to,
                                                                std::string_view exclude) {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM schedules WHERE rowid IN (SELECT rowid FROM schedules "
                       "WHERE state IN ('scheduled', 'running') AND next_end_ms > ?2 AND "
                       "next_start_ms < ?3 UNION ALL SELECT rowid FROM schedules WHERE repeats = 1 "
                       "AND state IN ('scheduled', 'running')) AND drill_id <> ?1 ORDER BY "
                       "next_start_ms, drill_id",
                       kColumns));
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, exclude), stmt->Bind(2, Ms(from)), stmt->Bind(3, Ms(to))}) {
    if (!st) return st.error();
  }
  return ReadAll(*stmt);
}

Expected<std::vector<ScheduleRecord>> ScheduleTable::PendingNotices() {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM schedules WHERE notified_sequence < sequence ORDER BY "
                       "next_start_ms, drill_id",
                       kColumns));
  if (!stmt) return stmt.error();
  return ReadAll(*stmt);
}

Status ScheduleTable::SetState(std::string_view drill_id, ScheduleState state) {
  auto stmt = Statement::Prepare(
      db_, "UPDATE schedules SET state = ?2, updated_ms = ?3 WHERE drill_id = ?1");
  if (!stmt) return stmt.error();
  std::int64_t now =
      Ms(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  for (Status st :
       {stmt->Bind(1, drill_id), stmt->Bind(2, ScheduleStateName(state)), stmt->Bind(3, now)}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  if (sqlite3_changes(db_.handle()) == 0) {
    return Error{fmt::format("no scheduled drill \"{}\"", drill_id)};
  }
  return Status::Ok();
}

Expected<std::optional<std::pair<std::string, SysTime>>> LatestBriefing(Database& db,
                                                                        const std::string& drill_id,
                                                                        SysTime since) {
  auto events = EventLog(db).ForDrill(drill_id);
  if (!events) return events.error();
  std::optional<std::pair<std::string, SysTime>> found;
  for (const Event& e : *events) {
    if (e.kind == "briefed" && e.ts >= since) found = std::make_pair(e.actor, e.ts);
  }
  return found;
}

}  // namespace firedrill
