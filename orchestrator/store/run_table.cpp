#include "orchestrator/store/run_table.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

std::int64_t Ms(SysTime t) { return t.time_since_epoch().count(); }
SysTime FromMs(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot; 0 if unknown.
std::int64_t StartOf(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  // The name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return 0;
  }
  try {
    return std::stoll(field);
  } catch (...) {
    return 0;
  }
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

constexpr char kColumns[] =
    "run_id, drill_id, started_ms, pid, pid_start, boot_id, ended_ms, outcome";

RunRecord RowOf(const Statement& s) {
  RunRecord r;
  r.run_id = std::string(s.ColumnText(0));
  r.drill_id = std::string(s.ColumnText(1));
  r.started = FromMs(s.ColumnInt64(2));
  r.process.pid = s.ColumnInt64(3);
  r.process.start = s.ColumnInt64(4);
  r.process.boot_id = std::string(s.ColumnText(5));
  if (!s.ColumnText(6).empty()) r.ended = FromMs(s.ColumnInt64(6));
  r.outcome = std::string(s.ColumnText(7));
  return r;
}

}  // namespace

ProcessStamp ProcessStamp::Self() {
  ProcessStamp p;
  p.pid = ::getpid();
  p.start = StartOf(p.pid);
  p.boot_id = BootId();
  return p;
}

bool ProcessStamp::Alive() const {
  if (pid <= 0) return false;
  if (!boot_id.empty() && boot_id != BootId()) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const std::int64_t now = StartOf(pid);
  // The pid is in use: by the same process unless its start time says otherwise.
  return start == 0 || now == 0 || now == start;
}

Status RunTable::Begin(const RunRecord& r) {
  auto stmt = Statement::Prepare(db_,
                                 "INSERT INTO runs (run_id, drill_id, started_ms, pid, pid_start, "
                                 "boot_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, r.run_id), stmt->Bind(2, r.drill_id),
                    stmt->Bind(3, Ms(r.started)), stmt->Bind(4, r.process.pid),
                    stmt->Bind(5, r.process.start), stmt->Bind(6, r.process.boot_id)}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Status RunTable::End(const std::string& run_id, SysTime at, const std::string& outcome) {
  auto stmt = Statement::Prepare(
      db_, "UPDATE runs SET ended_ms = ?2, outcome = ?3 WHERE run_id = ?1 AND ended_ms IS NULL");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, run_id), stmt->Bind(2, Ms(at)), stmt->Bind(3, outcome)}) {
    if (!st) return st;
  }
  return stmt->Run();
}

Expected<std::vector<RunRecord>> RunTable::Open() {
  auto stmt = Statement::Prepare(
      db_, fmt::format("SELECT {} FROM runs WHERE ended_ms IS NULL ORDER BY started_ms", kColumns));
  if (!stmt) return stmt.error();
  std::vector<RunRecord> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(RowOf(*stmt));
  }
  return out;
}

Expected<std::optional<RunRecord>> RunTable::Get(const std::string& run_id) {
  auto stmt =
      Statement::Prepare(db_, fmt::format("SELECT {} FROM runs WHERE run_id = ?1", kColumns));
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, run_id); !st) return st.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<RunRecord>();
  return std::optional<RunRecord>(RowOf(*stmt));
}

Expected<std::vector<RunListing>> RunTable::Overlapping(SysTime from, SysTime to) {
  auto stmt = Statement::Prepare(
      db_,
      "SELECT r.run_id, r.drill_id, r.started_ms, r.pid, r.pid_start, r.boot_id, r.ended_ms, "
      "r.outcome, d.title, d.service, d.zone FROM runs r LEFT JOIN drills d ON d.id = r.drill_id "
      "WHERE r.started_ms < ?2 AND (r.ended_ms IS NULL OR r.ended_ms > ?1) "
      "ORDER BY r.started_ms, r.run_id");
  if (!stmt) return stmt.error();
  for (Status st : {stmt->Bind(1, Ms(from)), stmt->Bind(2, Ms(to))}) {
    if (!st) return st.error();
  }
  std::vector<RunListing> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(RunListing{RowOf(*stmt), std::string(stmt->ColumnText(8)),
                             std::string(stmt->ColumnText(9)), std::string(stmt->ColumnText(10))});
  }
  return out;
}

}  // namespace firedrill
