#include "orchestrator/store/fault_ledger.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "drills/zoned_time.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

constexpr std::string_view kColumns =
    "id, run_id, drill_id, fault_id, kind, target, drill_source, drill_file, state, status, "
    "created_ms, updated_ms, note, processes, plugins, manual";

std::int64_t Ms(SysTime t) { return t.time_since_epoch().count(); }

LedgerStatus ParseStatus(std::string_view s) {
  if (s == "injected") return LedgerStatus::kInjected;
  if (s == "restored") return LedgerStatus::kRestored;
  if (s == "restore-failed") return LedgerStatus::kRestoreFailed;
  return LedgerStatus::kInjecting;
}

}  // namespace

std::string_view LedgerStatusName(LedgerStatus status) {
  switch (status) {
    case LedgerStatus::kInjecting:
      return "injecting";
    case LedgerStatus::kInjected:
      return "injected";
    case LedgerStatus::kRestored:
      return "restored";
    case LedgerStatus::kRestoreFailed:
      return "restore-failed";
  }
  return "injecting";
}

Expected<std::int64_t> FaultLedger::RecordIntent(const LedgerEntry& e) {
  auto stmt = Statement::Prepare(
      db_,
      "INSERT INTO fault_ledger (run_id, drill_id, fault_id, kind, target, drill_source, "
      "drill_file, state, status, created_ms, updated_ms, plugins, manual) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'injecting', ?9, ?9, ?10, ?11) RETURNING id");
  if (!stmt) return stmt.error();
  std::int64_t now = Ms(NowUtc());
  const std::string plugins = boost::json::serialize(boost::json::value_from(e.plugins));
  for (Status st : {stmt->Bind(1, e.run_id), stmt->Bind(2, e.drill_id), stmt->Bind(3, e.fault_id),
                    stmt->Bind(4, e.kind), stmt->Bind(5, e.target), stmt->Bind(6, e.drill_source),
                    stmt->Bind(7, e.drill_file), stmt->Bind(8, e.state), stmt->Bind(9, now),
                    stmt->Bind(10, plugins), stmt->Bind(11, e.manual)}) {
    if (!st) return st.error();
  }
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return Error{"fault ledger: the insert returned no id"};
  std::int64_t id = stmt->ColumnInt64(0);
  // Finish the statement so the insert is committed before the caller applies the fault.
  if (auto done = stmt->Step(); !done) return done.error();
  return id;
}

Status FaultLedger::SetStatus(std::int64_t id, LedgerStatus status, std::string_view note) {
  auto stmt = Statement::Prepare(
      db_, "UPDATE fault_ledger SET status = ?1, note = ?2, updated_ms = ?3 WHERE id = ?4");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, LedgerStatusName(status)), stmt->Bind(2, note),
                    stmt->Bind(3, Ms(NowUtc())), stmt->Bind(4, id)}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Status FaultLedger::SetState(std::int64_t id, std::string_view state) {
  auto stmt =
      Statement::Prepare(db_, "UPDATE fault_ledger SET state = ?1, updated_ms = ?2 WHERE id = ?3");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, state), stmt->Bind(2, Ms(NowUtc())), stmt->Bind(3, id)}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  if (sqlite3_changes(db_.handle()) == 0) {
    return Error(fmt::format("fault ledger: no entry with id {}", id));
  }
  return Status::Ok();
}

Status FaultLedger::SetManual(std::int64_t id, std::string_view manual) {
  auto stmt =
      Statement::Prepare(db_, "UPDATE fault_ledger SET manual = ?1, updated_ms = ?2 WHERE id = ?3");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, manual), stmt->Bind(2, Ms(NowUtc())), stmt->Bind(3, id)}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  if (sqlite3_changes(db_.handle()) == 0) {
    return Error(fmt::format("fault ledger: no entry with id {}", id));
  }
  return Status::Ok();
}

Status FaultLedger::AddProcess(std::int64_t id, const ProcessIdentity& process) {
  auto stmt = Statement::Prepare(db_,
                                 "UPDATE fault_ledger SET processes = json_insert(processes, "
                                 "'$[#]', json(?1)), updated_ms = ?2 WHERE id = ?3");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, boost::json::serialize(boost::json::value_from(process))),
                    stmt->Bind(2, Ms(NowUtc())), stmt->Bind(3, id)}) {
    if (!st) return st;
  }
  if (Status st = stmt->Run(); !st) return st;
  if (sqlite3_changes(db_.handle()) == 0) {
    return Error(fmt::format("fault ledger: no entry with id {}", id));
  }
  return Status::Ok();
}

Expected<std::vector<LedgerEntry>> FaultLedger::Outstanding() {
  return Query("status <> 'restored'", "");
}

Expected<std::vector<LedgerEntry>> FaultLedger::ForRun(std::string_view run_id) {
  return Query("run_id = ?1", run_id);
}

Expected<std::vector<LedgerEntry>> FaultLedger::Query(std::string_view where,
                                                      std::string_view arg) {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM fault_ledger WHERE {} ORDER BY id", kColumns, where));
  if (!stmt) return stmt.error();
  if (!arg.empty()) {
    if (Status st = stmt->Bind(1, arg); !st) return st.error();
  }
  std::vector<LedgerEntry> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    LedgerEntry e;
    e.id = stmt->ColumnInt64(0);
    e.run_id = stmt->ColumnText(1);
    e.drill_id = stmt->ColumnText(2);
    e.fault_id = stmt->ColumnText(3);
    e.kind = stmt->ColumnText(4);
    e.target = stmt->ColumnText(5);
    e.drill_source = stmt->ColumnText(6);
    e.drill_file = stmt->ColumnText(7);
    e.state = stmt->ColumnText(8);
    e.status = ParseStatus(stmt->ColumnText(9));
    e.created = SysTime(std::chrono::milliseconds(stmt->ColumnInt64(10)));
    e.updated = SysTime(std::chrono::milliseconds(stmt->ColumnInt64(11)));
    e.note = stmt->ColumnText(12);
    // Identities that do not parse are kept out (and stay in the row for a person to read).
    boost::system::error_code ec;
    boost::json::value processes = boost::json::parse(stmt->ColumnText(13), ec);
    if (!ec && processes.is_array()) {
      for (const boost::json::value& v : processes.as_array()) {
        auto identity = boost::json::try_value_to<ProcessIdentity>(v);
        if (identity) e.processes.push_back(*identity);
      }
    }
    boost::system::error_code plugins_ec;
    boost::json::value plugins = boost::json::parse(stmt->ColumnText(14), plugins_ec);
    if (!plugins_ec && plugins.is_array()) {
      for (const boost::json::value& v : plugins.as_array()) {
        if (v.is_string()) e.plugins.emplace_back(v.as_string());
      }
    }
    e.manual = stmt->ColumnText(15);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace firedrill
