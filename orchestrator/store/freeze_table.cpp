#include "orchestrator/store/freeze_table.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

namespace json = boost::json;

std::int64_t Ms(SysTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
}

SysTime FromMs(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

std::string AlertsJson(const std::vector<std::string>& alerts) {
  json::array a;
  for (const std::string& s : alerts) a.push_back(json::value(s));
  return json::serialize(a);
}

std::vector<std::string> AlertsFrom(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const json::value& e : v.as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace

std::string DescribeFreeze(const FreezeRecord& r) {
  std::string out =
      fmt::format("frozen since {} by {} ({}): {}", FormatUtc(r.started), r.by, r.cause, r.reason);
  if (r.thaw_at) out += fmt::format("; ends at {}", FormatUtc(*r.thaw_at));
  return out;
}

Status FreezeTable::Begin(FreezeRecord& r) {
  if (r.cause != "incident" && r.cause != "manual") {
    return Error{"a freeze's cause is \"incident\" or \"manual\", not \"" + r.cause + "\""};
  }
  if (r.reason.empty()) return Error{"a freeze needs a reason"};
  auto stmt = Statement::Prepare(db_,
                                 "INSERT INTO freezes (cause, reason, started_by, started_ms, "
                                 "open_alerts, thaw_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, r.cause), stmt->Bind(2, r.reason), stmt->Bind(3, r.by),
                    stmt->Bind(4, Ms(r.started)), stmt->Bind(5, AlertsJson(r.open_alerts)),
                    stmt->Bind(6, r.thaw_at ? Ms(*r.thaw_at) : std::int64_t{0})}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  auto id = Statement::Prepare(db_, "SELECT max(id) FROM freezes WHERE ended_ms IS NULL");
  if (!id) return id.error();
  auto row = id->Step();
  if (!row) return row.error();
  r.id = id->ColumnInt64(0);
  return {};
}

Status FreezeTable::Update(const FreezeRecord& r) {
  auto stmt = Statement::Prepare(
      db_, "UPDATE freezes SET open_alerts = ?2, thaw_ms = ?3 WHERE id = ?1 AND ended_ms IS NULL");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, r.id), stmt->Bind(2, AlertsJson(r.open_alerts)),
                    stmt->Bind(3, r.thaw_at ? Ms(*r.thaw_at) : std::int64_t{0})}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Status FreezeTable::End(std::int64_t id, SysTime at, const std::string& by,
                        const std::string& why) {
  auto stmt = Statement::Prepare(db_,
                                 "UPDATE freezes SET ended_ms = ?2, ended_by = ?3, end_reason = ?4 "
                                 "WHERE id = ?1 AND ended_ms IS NULL");
  if (!stmt) return stmt.error();
  for (Status st :
       {stmt->Bind(1, id), stmt->Bind(2, Ms(at)), stmt->Bind(3, by), stmt->Bind(4, why)}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Expected<std::optional<FreezeRecord>> FreezeTable::Current() {
  auto stmt = Statement::Prepare(db_,
                                 "SELECT id, cause, reason, started_by, started_ms, open_alerts, "
                                 "thaw_ms FROM freezes WHERE ended_ms IS NULL ORDER BY id DESC "
                                 "LIMIT 1");
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<FreezeRecord>();
  FreezeRecord r;
  r.id = stmt->ColumnInt64(0);
  r.cause = std::string(stmt->ColumnText(1));
  r.reason = std::string(stmt->ColumnText(2));
  r.by = std::string(stmt->ColumnText(3));
  r.started = FromMs(stmt->ColumnInt64(4));
  r.open_alerts = AlertsFrom(stmt->ColumnText(5));
  if (std::int64_t thaw = stmt->ColumnInt64(6); thaw != 0) r.thaw_at = FromMs(thaw);
  return std::optional<FreezeRecord>(std::move(r));
}

Expected<std::map<std::string, std::uint64_t>> FreezeTable::CountsByCause() {
  std::map<std::string, std::uint64_t> out{{"incident", 0}, {"manual", 0}};
  auto stmt = Statement::Prepare(db_, "SELECT cause, count(*) FROM freezes GROUP BY cause");
  if (!stmt) return stmt.error();
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out[std::string(stmt->ColumnText(0))] = static_cast<std::uint64_t>(stmt->ColumnInt64(1));
  }
  return out;
}

}  // namespace firedrill
