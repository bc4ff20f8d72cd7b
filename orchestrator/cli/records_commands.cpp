#include "orchestrator/cli/records_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <ostream>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// Opens the records read-only. Returns nullopt after printing why; `exit` says with which code.
std::optional<Database> OpenRecords(const Invocation& inv, int& exit, bool missing_is_empty) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    if (missing_is_empty) {
      fmt::print(inv.err, "no records yet: {} holds no {}\n", dir.string(), Database::kFileName);
      exit = kExitOk;
    } else {
      fmt::print(inv.err,
                 "firedrill: no records at {} (no {}); check --state or "
                 "FIREDRILL_STATE\n",
                 dir.string(), Database::kFileName);
      exit = kExitStateError;
    }
    return std::nullopt;
  }
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    exit = kExitStateError;
    return std::nullopt;
  }
  return std::move(*db);
}

struct EventSummary {
  std::int64_t count = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};

Expected<std::map<std::string, EventSummary>> SummarizeEvents(const Database& db) {
  auto st = Statement::Prepare(
      db, "SELECT drill_id, COUNT(*), MIN(ts_ms), MAX(ts_ms) FROM events GROUP BY drill_id");
  if (!st.ok()) return st.error();
  std::map<std::string, EventSummary> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out[std::string(st->ColumnText(0))] = {st->ColumnInt64(1), st->ColumnInt64(2),
                                           st->ColumnInt64(3)};
  }
  return out;
}

SysTime FromMs(std::int64_t ms) { return SysTime{std::chrono::milliseconds{ms}}; }

int RunList(const Invocation& inv) {
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, true);
  if (!db) {
    if (exit == kExitOk && inv.args.Has("json")) inv.out << "[]\n";
    return exit;
  }
  auto drills = DrillTable(*db).ListDrills();
  auto events = SummarizeEvents(*db);
  if (!drills.ok() || !events.ok()) {
    fmt::print(inv.err, "firedrill: {}\n",
               (!drills.ok() ? drills.error() : events.error()).ToString());
    return kExitStateError;
  }
  std::optional<std::string> service = inv.args.Value("service");
  json::array rows;
  if (!inv.args.Has("json")) {
    fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7}\n", "ID", "SERVICE", "WINDOW START", "EVENTS");
  }
  for (const DrillRecord& d : *drills) {
    if (service && d.service != *service) continue;
    EventSummary s = events->count(d.id) ? events->at(d.id) : EventSummary{};
    if (inv.args.Has("json")) {
      json::object o;
      o["id"] = d.id;
      o["title"] = d.title;
      o["service"] = d.service;
      o["owner"] = d.owner;
      o["zone"] = d.zone;
      o["window_start"] = FormatUtc(d.window_start);
      o["window_end"] = FormatUtc(d.window_end);
      o["events"] = s.count;
      if (s.count > 0) o["last_event"] = FormatUtc(FromMs(s.last_ms));
      rows.push_back(std::move(o));
    } else {
      fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7}\n", d.id, d.service,
                 FormatInZone(d.window_start, d.zone), s.count);
    }
  }
  if (inv.args.Has("json")) inv.out << json::serialize(rows) << "\n";
  return kExitOk;
}

int RunShow(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;
  auto drill = DrillTable(*db).GetDrill(id);
  auto events = EventLog(*db).ForDrill(id);
  if (!drill.ok() || !events.ok()) {
    fmt::print(inv.err, "firedrill: {}\n",
               (!drill.ok() ? drill.error() : events.error()).ToString());
    return kExitStateError;
  }
  if (!*drill && events->empty()) {
    fmt::print(inv.err,
               "firedrill records show: no drill \"{}\" in the records (see firedrill "
               "records list)\n",
               id);
    return kExitNotFound;
  }
  std::string zone = *drill ? (*drill)->zone : "UTC";
  if (inv.args.Has("json")) {
    json::object o;
    o["id"] = id;
    if (*drill) {
      o["title"] = (*drill)->title;
      o["service"] = (*drill)->service;
      o["zone"] = zone;
      o["source_file"] = (*drill)->source_file;
      o["source_sha256"] = (*drill)->source_sha256;
    }
    json::array evs;
    for (const Event& e : *events) {
      json::object eo;
      eo["seq"] = e.seq;
      eo["ts"] = FormatUtc(e.ts);
      eo["kind"] = e.kind;
      eo["actor"] = e.actor;
      boost::system::error_code ec;
      json::value payload = json::parse(e.payload_json, ec);
      eo["payload"] = ec ? json::value(e.payload_json) : payload;
      eo["hash"] = ToHex(e.hash);
      evs.push_back(std::move(eo));
    }
    o["events"] = std::move(evs);
    inv.out << json::serialize(o) << "\n";
    return kExitOk;
  }
  if (*drill) {
    fmt::print(inv.out, "Drill {}: {} (service {}, owner {})\n", id, (*drill)->title,
               (*drill)->service, (*drill)->owner);
    fmt::print(inv.out, "Drill file {} (sha256 {})\n", (*drill)->source_file,
               (*drill)->source_sha256);
  } else {
    fmt::print(inv.out, "Drill {}\n", id);
  }
  fmt::print(inv.out, "{} event{} (times UTC, and {}):\n", events->size(),
             events->size() == 1 ? "" : "s", zone);
  for (const Event& e : *events) {
    fmt::print(inv.out, "  #{:<6} {}  {:<34} {:<22} {:<24} {}\n", e.seq, FormatUtc(e.ts),
               FormatInZone(e.ts, zone), e.kind, e.actor, e.payload_json);
  }
  return kExitOk;
}

int RunVerify(const Invocation& inv) {
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;
  auto report = EventLog(*db).Verify();
  if (!report.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", report.error().ToString());
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    json::object o;
    o["ok"] = report->ok;
    o["events_checked"] = report->events_checked;
    o["head_hash"] = ToHex(report->head_hash);
    if (report->first_bad_seq) o["first_bad_event"] = *report->first_bad_seq;
    if (!report->ok) o["problem"] = report->problem;
    inv.out << json::serialize(o) << "\n";
  } else if (report->ok) {
    fmt::print(inv.out, "ok: {} event{} verified; the chain is intact. Head hash {}\n",
               report->events_checked, report->events_checked == 1 ? "" : "s",
               ToHex(report->head_hash));
  } else {
    fmt::print(inv.out, "TAMPERED: {}\n", report->problem);
    fmt::print(inv.out, "first bad event: #{}; events before it verified: {}\n",
               report->first_bad_seq.value_or(0), report->events_checked);
  }
  return report->ok ? kExitOk : kExitTampered;
}

}  // namespace

Command RecordsListCommand() {
  return Command{
      "records list",
      "firedrill records list [--service NAME] [--json] [--state DIR]",
      "every drill in the records, with its event count",
      "Lists the drills the state directory holds records for: id, service, window start (in\n"
      "the drill's zone) and the number of events recorded. Read-only.\n"
      "\n"
      "Options:\n"
      "  --service NAME   only drills of this service\n"
      "  --json           a JSON array of {id, title, service, owner, zone, window_start,\n"
      "                   window_end, events, last_event}\n"
      "  --state DIR      the state directory (default $FIREDRILL_STATE, else\n"
      "                   $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill)\n",
      ArgSpec{{"json"}, {"service"}, 0, 0},
      RunList};
}

Command RecordsShowCommand() {
  return Command{
      "records show",
      "firedrill records show ID [--json] [--state DIR]",
      "the full event log of one drill",
      "Prints every recorded event of drill ID in order: sequence number, time (UTC and the\n"
      "drill's zone), kind, actor and payload. With --json, each event also carries its hash.\n"
      "Read-only.\n"
      "\n"
      "Exit status: 0, 7 if no such drill is recorded, 4 if the records cannot be read.\n",
      ArgSpec{{"json"}, {}, 1, 1},
      RunShow};
}

Command RecordsVerifyCommand() {
  return Command{
      "records verify",
      "firedrill records verify [--json] [--state DIR]",
      "check that no recorded event was altered, deleted, inserted or reordered",
      "Walks the event log from the first event. Each event stores the SHA-256 of the event\n"
      "before it, and its own hash covers its sequence number, time, drill, kind, actor and\n"
      "payload; any edit, deletion, insertion or reordering breaks the chain. Names the first\n"
      "bad event. Read-only.\n"
      "\n"
      "Options:\n"
      "  --json   {ok, events_checked, head_hash, first_bad_event, problem}\n"
      "\n"
      "Exit status: 0 if the chain is intact, 5 if it is not, 4 if the records cannot be read.\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunVerify};
}

}  // namespace firedrill
