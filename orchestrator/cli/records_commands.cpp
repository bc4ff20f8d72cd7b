#include "orchestrator/cli/records_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <system_error>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"
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

// --- --from / --to ------------------------------------------------------------------------------

// A half-open period [from, until) from --from and --to; either end may be open.
struct Period {
  std::optional<SysTime> from;
  std::optional<SysTime> until;

  bool Contains(SysTime t) const { return (!from || t >= *from) && (!until || t < *until); }
};

// Reads `n` digits at `pos`; false if they are not all digits.
bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, *out);
  return ec == std::errc() && end == s.data() + pos + n;
}

// Parses --from/--to: YYYY-MM-DD (a whole UTC day) or ISO-8601 YYYY-MM-DDTHH:MM[:SS[.fff]] with Z
// or an offset (+01:00); no offset means UTC. Returns the first instant the value names and, for
// a day, the first instant after it (for a time: the next millisecond), so `--to` can include it.
Expected<std::pair<SysTime, SysTime>> ParseTimeArg(std::string_view option, std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error{
        fmt::format("--{} \"{}\": {}; write a date (2026-03-31) or an ISO-8601 time "
                    "(2026-03-31T14:00:00Z, 2026-03-31T16:00+02:00)",
                    option, text, why)};
  };
  LocalDateTime l;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &l.year) ||
      !Digits(text, 5, 2, &l.month) || !Digits(text, 8, 2, &l.day)) {
    return bad("not a date");
  }
  bool date_only = text.size() == 10;
  std::chrono::minutes offset{0};
  if (!date_only) {
    std::size_t p = 10;
    if (text[p] != 'T' && text[p] != 't' && text[p] != ' ')
      return bad("expected 'T' after the date");
    ++p;
    if (!Digits(text, p, 2, &l.hour) || p + 2 >= text.size() || text[p + 2] != ':' ||
        !Digits(text, p + 3, 2, &l.minute)) {
      return bad("expected HH:MM after 'T'");
    }
    p += 5;
    if (p < text.size() && text[p] == ':') {
      if (!Digits(text, p + 1, 2, &l.second)) return bad("expected two digits of seconds");
      p += 3;
      if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
        std::size_t start = ++p;
        int scale = 100;
        while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
          l.millisecond += (text[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
        if (p == start) return bad("expected digits after the decimal point");
      }
    }
    if (p < text.size() && (text[p] == 'Z' || text[p] == 'z')) {
      ++p;
    } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
      int oh = 0, om = 0;
      bool colon = p + 3 < text.size() && text[p + 3] == ':';
      if (!Digits(text, p + 1, 2, &oh) || !Digits(text, p + (colon ? 4 : 3), 2, &om) || oh > 23 ||
          om > 59) {
        return bad("expected a UTC offset like +02:00");
      }
      offset = std::chrono::minutes((oh * 60 + om) * (text[p] == '-' ? -1 : 1));
      p += colon ? 6 : 5;
    }
    if (p != text.size()) return bad(fmt::format("unexpected \"{}\"", text.substr(p)));
  }
  auto t = LocalToSys(l, "UTC");
  if (!t) return bad(t.error().message);
  SysTime at = *t - offset;
  SysTime after = date_only ? at + std::chrono::days(1) : at + std::chrono::milliseconds(1);
  return std::pair(at, after);
}

// --from is inclusive, --to includes the whole day (or the very time) it names. Prints and
// returns nullopt on a bad value; `exit` is then kExitUsage.
std::optional<Period> ReadPeriod(const Invocation& inv) {
  Period period;
  for (const char* option : {"from", "to"}) {
    auto value = inv.args.Value(option);
    if (!value) continue;
    auto parsed = ParseTimeArg(option, *value);
    if (!parsed) {
      fmt::print(inv.err, "firedrill: {}\n", parsed.error().message);
      return std::nullopt;
    }
    if (std::string_view(option) == "from") {
      period.from = parsed->first;
    } else {
      period.until = parsed->second;
    }
  }
  if (period.from && period.until && *period.from >= *period.until) {
    fmt::print(inv.err, "firedrill: --from {} is after --to {}: the period is empty\n",
               *inv.args.Value("from"), *inv.args.Value("to"));
    return std::nullopt;
  }
  return period;
}

// --- outcomes -----------------------------------------------------------------------------------

constexpr std::array<std::string_view, 5> kOutcomes = {"recovered", "auto-restored", "aborted",
                                                       "refused", "restore-incomplete"};

// The outcome a run's ending event tells.
std::string OutcomeOf(std::string_view kind, std::string_view payload) {
  if (kind == "preflight-refused") return "refused";
  if (kind == "restore-incomplete") return "restore-incomplete";
  if (kind == "aborted") return "aborted";  // aborted while waiting: nothing was injected
  // run-ended: {"recovered_by_team": bool, "auto_restored": bool, "outcome": "...", ...}
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(payload.data(), payload.size()), ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  auto flag = [&](const char* key) {
    const json::value* f = o ? o->if_contains(key) : nullptr;
    return f != nullptr && f->is_bool() && f->get_bool();
  };
  const json::value* text = o ? o->if_contains("outcome") : nullptr;
  if (text != nullptr && text->is_string() && text->get_string().starts_with("aborted")) {
    return "aborted";
  }
  return flag("recovered_by_team") ? "recovered" : "auto-restored";
}

// Drill id -> outcome of its latest run that ended.
Expected<std::map<std::string, std::string>> DrillOutcomes(const Database& db) {
  auto st = Statement::Prepare(
      db,
      "SELECT drill_id, kind, payload FROM events WHERE seq IN (SELECT MAX(seq) FROM events "
      "WHERE kind IN ('run-ended', 'preflight-refused', 'restore-incomplete', 'aborted') "
      "GROUP BY drill_id)");
  if (!st.ok()) return st.error();
  std::map<std::string, std::string> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out[std::string(st->ColumnText(0))] = OutcomeOf(st->ColumnText(1), st->ColumnText(2));
  }
  return out;
}

int RunList(const Invocation& inv) {
  std::optional<std::string> outcome = inv.args.Value("outcome");
  if (outcome && std::find(kOutcomes.begin(), kOutcomes.end(), *outcome) == kOutcomes.end()) {
    fmt::print(inv.err, "firedrill: --outcome \"{}\" is not one of: {}\n", *outcome,
               fmt::join(kOutcomes, ", "));
    return kExitUsage;
  }
  auto period = ReadPeriod(inv);
  if (!period) return kExitUsage;
  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, true);
  if (!db) {
    if (exit == kExitOk && inv.args.Has("json")) inv.out << "[]\n";
    return exit;
  }
  auto drills = DrillTable(*db).ListDrills();
  auto events = SummarizeEvents(*db);
  auto outcomes = DrillOutcomes(*db);
  if (!drills.ok() || !events.ok() || !outcomes.ok()) {
    fmt::print(inv.err, "firedrill: {}\n",
               (!drills.ok()   ? drills.error()
                : !events.ok() ? events.error()
                               : outcomes.error())
                   .ToString());
    return kExitStateError;
  }
  std::optional<std::string> service = inv.args.Value("service");
  json::array rows;
  if (!inv.args.Has("json")) {
    fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7} {}\n", "ID", "SERVICE", "WINDOW START",
               "EVENTS", "OUTCOME");
  }
  for (const DrillRecord& d : *drills) {
    if (service && d.service != *service) continue;
    if (!period->Contains(d.window_start)) continue;
    auto found = outcomes->find(d.id);
    std::optional<std::string> drill_outcome;
    if (found != outcomes->end()) drill_outcome = found->second;
    if (outcome && drill_outcome != outcome) continue;
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
      o["outcome"] = drill_outcome ? json::value(*drill_outcome) : json::value(nullptr);
      rows.push_back(std::move(o));
    } else {
      fmt::print(inv.out, "{:<32} {:<16} {:<34} {:>7} {}\n", d.id, d.service,
                 FormatInZone(d.window_start, d.zone), s.count, drill_outcome.value_or("-"));
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

// The key to check checkpoints with: --pubkey FILE, else the state directory's key (if any).
// Creates nothing. Prints and returns false on an unusable key; `exit` says with which code.
bool LoadVerifyKey(const Invocation& inv, std::optional<SigningKey>* key, int& exit) {
  if (auto file = inv.args.Value("pubkey")) {
    auto loaded = SigningKey::LoadPublicKeyFile(*file);
    if (!loaded) {
      fmt::print(inv.err, "firedrill: --pubkey: {}\n", loaded.error().ToString());
      exit = kExitFailure;
      return false;
    }
    key->emplace(std::move(*loaded));
    return true;
  }
  auto loaded = SigningKey::LoadFromStateDir(ResolveStateDir(inv.args.Value("state")));
  if (!loaded) {
    fmt::print(inv.err, "firedrill: {}\n", loaded.error().ToString());
    exit = kExitStateError;
    return false;
  }
  *key = std::move(*loaded);
  return true;
}

json::object CheckpointJson(const Checkpoint& cp) {
  return json::object{{"id", cp.id},
                      {"seq", cp.seq},
                      {"ts", FormatUtc(cp.ts)},
                      {"head_hash", ToHex(cp.head_hash)},
                      {"key_id", cp.key_id}};
}

void PrintVerifyReport(const Invocation& inv, const RecordsReport& r, const SigningKey* key) {
  const CheckpointReport& cps = r.checkpoints;
  if (inv.args.Has("json")) {
    json::object o;
    o["ok"] = r.ok();
    o["events_checked"] = r.chain.events_checked;
    o["head_hash"] = ToHex(r.chain.head_hash);
    if (auto bad = r.FirstBadSeq()) o["first_bad_event"] = *bad;
    json::array problems;
    for (const std::string& p : r.Problems()) problems.push_back(json::value(p));
    if (!r.ok()) o["problem"] = problems.front();
    o["problems"] = std::move(problems);
    o["checkpoints"] = cps.total;
    o["checkpoints_verified"] = cps.verified;
    if (key != nullptr && cps.total > 0) o["key_id"] = key->id();
    if (cps.last_verified) o["last_checkpoint"] = CheckpointJson(*cps.last_verified);
    if (cps.bad_checkpoint) o["bad_checkpoint"] = *cps.bad_checkpoint;
    o["events_not_covered"] = r.EventsNotCovered();
    inv.out << json::serialize(o) << "\n";
    return;
  }
  if (r.chain.ok) {
    fmt::print(inv.out, "ok: {} event{} verified; the chain is intact. Head hash {}\n",
               r.chain.events_checked, r.chain.events_checked == 1 ? "" : "s",
               ToHex(r.chain.head_hash));
  }
  if (cps.total == 0) {
    fmt::print(inv.out,
               "no checkpoints yet: deleting the newest events would go unnoticed (a checkpoint "
               "is signed after each drill; firedrill records checkpoint signs one now)\n");
  } else if (cps.ok) {
    const Checkpoint& last = *cps.last_verified;
    fmt::print(inv.out,
               "ok: {} checkpoint{} verified with key {}; the last, checkpoint {} of {}, covers "
               "events up to #{}\n",
               cps.verified, cps.verified == 1 ? "" : "s", key->id().substr(0, 16), last.id,
               FormatUtc(last.ts), last.seq);
  }
  if (r.ok() && cps.total > 0) {
    std::int64_t uncovered = r.EventsNotCovered();
    if (uncovered == 0) {
      fmt::print(inv.out, "every event is covered by a checkpoint\n");
    } else {
      fmt::print(inv.out, "{} event{} (#{}..#{}) not yet covered by a checkpoint\n", uncovered,
                 uncovered == 1 ? "" : "s", r.last_seq - uncovered + 1, r.last_seq);
    }
  }
  for (const std::string& p : r.Problems()) fmt::print(inv.out, "TAMPERED: {}\n", p);
  if (auto bad = r.FirstBadSeq()) {
    fmt::print(inv.out, "first bad event: #{}; events before it verified: {}\n", *bad,
               std::min(r.chain.events_checked, *bad - 1));
  }
  if (cps.bad_checkpoint) fmt::print(inv.out, "bad checkpoint: {}\n", *cps.bad_checkpoint);
}

int RunVerify(const Invocation& inv) {
  int exit = kExitOk;
  std::optional<SigningKey> key;
  if (auto file = inv.args.Value("from-export")) {
    // An export stands on its own: the state directory is only consulted for its key, and only
    // when no --pubkey is given.
    if (!LoadVerifyKey(inv, &key, exit)) return exit;
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      fmt::print(inv.err, "firedrill: cannot read {}: {}\n", *file,
                 std::generic_category().message(errno));
      return kExitFailure;
    }
    auto report = VerifyExport(in, *file, key ? &*key : nullptr);
    if (!report.ok()) {
      fmt::print(inv.err, "firedrill: {}\n", report.error().ToString());
      return kExitFailure;
    }
    PrintVerifyReport(inv, *report, key ? &*key : nullptr);
    return report->ok() ? kExitOk : kExitTampered;
  }
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;
  if (!LoadVerifyKey(inv, &key, exit)) return exit;
  auto report = VerifyRecords(*db, key ? &*key : nullptr);
  if (!report.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", report.error().ToString());
    return kExitStateError;
  }
  PrintVerifyReport(inv, *report, key ? &*key : nullptr);
  return report->ok() ? kExitOk : kExitTampered;
}

int RunExport(const Invocation& inv) {
  ExportOptions options;
  std::string format = inv.args.Value("format").value_or("jsonl");
  if (format == "jsonl") {
    options.format = ExportFormat::kJsonl;
  } else if (format == "csv") {
    options.format = ExportFormat::kCsv;
  } else {
    fmt::print(inv.err, "firedrill: --format \"{}\" is not one of: jsonl, csv\n", format);
    return kExitUsage;
  }
  std::string what = inv.args.Value("what").value_or(format == "csv" ? "events" : "all");
  if (what == "all") {
    options.what = ExportWhat::kAll;
  } else if (what == "events") {
    options.what = ExportWhat::kEvents;
  } else if (what == "checkpoints") {
    options.what = ExportWhat::kCheckpoints;
  } else {
    fmt::print(inv.err, "firedrill: --what \"{}\" is not one of: all, events, checkpoints\n", what);
    return kExitUsage;
  }
  if (options.format == ExportFormat::kCsv && options.what == ExportWhat::kAll) {
    fmt::print(inv.err,
               "firedrill: a CSV export holds one table: --what events (the default) or --what "
               "checkpoints; JSONL holds both\n");
    return kExitUsage;
  }
  auto period = ReadPeriod(inv);
  if (!period) return kExitUsage;
  options.filter.service = inv.args.Value("service");
  options.filter.from = period->from;
  options.filter.until = period->until;

  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;

  std::optional<std::string> output = inv.args.Value("output");
  if (!output) {
    auto counts = ExportRecords(*db, options, inv.out);
    if (!counts) {
      fmt::print(inv.err, "firedrill: {}\n", counts.error().ToString());
      return kExitFailure;
    }
    return kExitOk;
  }
  // Written beside the target and renamed at the end: a failed export never leaves a file that
  // looks complete.
  std::filesystem::path target(*output);
  std::filesystem::path partial = target;
  partial += ".partial";
  Expected<ExportCounts> counts = Error{""};
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      fmt::print(inv.err, "firedrill: cannot write {}: {}\n", partial.string(),
                 std::generic_category().message(errno));
      return kExitFailure;
    }
    counts = ExportRecords(*db, options, file);
    file.close();
    if (counts && !file) counts = Error{fmt::format("writing {} failed", partial.string())};
  }
  std::error_code ec;
  if (counts) std::filesystem::rename(partial, target, ec);
  if (!counts || ec) {
    std::filesystem::remove(partial, ec);
    fmt::print(inv.err, "firedrill: {}\n",
               counts ? fmt::format("cannot create {}: {}", target.string(), ec.message())
                      : counts.error().ToString());
    return kExitFailure;
  }
  fmt::print(inv.out, "exported {} event{} and {} checkpoint{} to {}\n", counts->events,
             counts->events == 1 ? "" : "s", counts->checkpoints,
             counts->checkpoints == 1 ? "" : "s", target.string());
  return kExitOk;
}

int RunPubkey(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  auto key = SigningKey::LoadFromStateDir(dir);
  if (!key) {
    fmt::print(inv.err, "firedrill: {}\n", key.error().ToString());
    return kExitStateError;
  }
  if (!*key) {
    fmt::print(inv.err,
               "firedrill: no checkpoint key yet: {} holds no {} (it is created with the first "
               "checkpoint, after the first drill or by firedrill records checkpoint)\n",
               dir.string(), SigningKey::kFileName);
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    inv.out << json::serialize(json::object{{"key_id", (*key)->id()},
                                            {"public_key_pem", (*key)->PublicKeyPem()}})
            << "\n";
  } else {
    inv.out << (*key)->PublicKeyPem();
  }
  return kExitOk;
}

int RunCheckpoint(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.err, "firedrill: no records at {} (no {}); nothing to checkpoint\n",
               dir.string(), Database::kFileName);
    return kExitStateError;
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto cp = WriteCheckpoint(*db, dir);
  if (!cp) {
    fmt::print(inv.err, "firedrill: {}\n", cp.error().ToString());
    return kExitFailure;
  }
  if (inv.args.Has("json")) {
    inv.out << json::serialize(CheckpointJson(*cp)) << "\n";
  } else {
    fmt::print(inv.out, "checkpoint {}: events up to #{}, head hash {}, signed at {} with key {}\n",
               cp->id, cp->seq, ToHex(cp->head_hash), FormatUtc(cp->ts), cp->key_id);
  }
  return kExitOk;
}

}  // namespace

Command RecordsListCommand() {
  return Command{
      "records list",
      "firedrill records list [--service NAME] [--from DATE] [--to DATE] [--outcome OUTCOME] "
      "[--json] [--state DIR]",
      "every drill in the records, with its event count and outcome",
      "Lists the drills the state directory holds records for: id, service, window start (in\n"
      "the drill's zone), the number of events recorded and the outcome of its latest run.\n"
      "Read-only.\n"
      "\n"
      "The outcome comes from the latest run-ended, preflight-refused, restore-incomplete or\n"
      "aborted event: recovered (the team recovered), auto-restored (firedrill restored at the\n"
      "end of the window), aborted, refused (preflight refused to inject), restore-incomplete\n"
      "(a fault may have been left in place); \"-\" if no run has ended.\n"
      "\n"
      "Options:\n"
      "  --service NAME     only drills of this service\n"
      "  --from DATE        only drills whose window starts at or after DATE\n"
      "  --to DATE          only drills whose window starts on or before DATE (a date includes\n"
      "                     the whole day). DATE: 2026-03-31 (UTC) or an ISO-8601 time such as\n"
      "                     2026-03-31T14:00:00Z or 2026-03-31T16:00+02:00\n"
      "  --outcome OUTCOME  only drills with this outcome: recovered, auto-restored, aborted,\n"
      "                     refused, restore-incomplete\n"
      "  --json             a JSON array of {id, title, service, owner, zone, window_start,\n"
      "                     window_end, events, last_event, outcome}\n"
      "  --state DIR        the state directory (default $FIREDRILL_STATE, else\n"
      "                     $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill)\n",
      ArgSpec{{"json"}, {"service", "from", "to", "outcome"}, 0, 0},
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
      "firedrill records verify [--pubkey FILE] [--from-export FILE] [--json] [--state DIR]",
      "check that no recorded event was altered, deleted, inserted, reordered or truncated",
      "Walks the event log from the first event. Each event stores the SHA-256 of the event\n"
      "before it, and its own hash covers its sequence number, time, drill, kind, actor and\n"
      "payload; any edit, deletion, insertion or reordering breaks the chain. Then checks every\n"
      "signed checkpoint: its Ed25519 signature, and that the event it vouches for is still\n"
      "there with the hash it signed, so deleting the newest events is caught too, up to the\n"
      "last checkpoint. Events after it are reported as not yet covered (not an error). Names\n"
      "the first bad event and the bad checkpoint. Read-only.\n"
      "\n"
      "Options:\n"
      "  --pubkey FILE       check the checkpoints with this public key (from firedrill records\n"
      "                      pubkey, received through a separate channel) instead of the state\n"
      "                      directory's key; the private key need not be present\n"
      "  --from-export FILE  verify a complete JSONL export (firedrill records export) instead of\n"
      "                      the database: every event is re-hashed from the exported fields\n"
      "  --json              {ok, events_checked, head_hash, first_bad_event, problem, problems,\n"
      "                      checkpoints, checkpoints_verified, key_id, last_checkpoint,\n"
      "                      bad_checkpoint, events_not_covered}\n"
      "\n"
      "Exit status: 0 if the records are intact, 5 if they are not, 4 if the records (or the\n"
      "key to check checkpoints with) cannot be read, 1 if --pubkey or the export is unusable.\n",
      ArgSpec{{"json"}, {"pubkey", "from-export"}, 0, 0},
      RunVerify};
}

Command RecordsExportCommand() {
  return Command{
      "records export",
      "firedrill records export [--format jsonl|csv] [--what all|events|checkpoints] "
      "[--service NAME] [--from DATE] [--to DATE] [--output FILE] [--state DIR]",
      "every event and checkpoint as JSONL or CSV, for auditors",
      "Writes the records from one consistent snapshot. Each event: seq, ts (UTC, ISO-8601 with\n"
      "milliseconds), drill, kind, actor, payload (the recorded JSON text, verbatim), prev_hash\n"
      "and hash (hex). Each checkpoint: id, seq, ts, head_hash, prev_hash, key_id, signature.\n"
      "A complete JSONL export can be verified on its own: firedrill records verify\n"
      "--from-export FILE --pubkey KEY. Read-only.\n"
      "\n"
      "Options:\n"
      "  --format jsonl|csv  JSONL (default): a header line, then {\"type\":\"event\",...} lines\n"
      "                      and {\"type\":\"checkpoint\",...} lines. CSV (RFC 4180, CRLF): one\n"
      "                      table with a header row\n"
      "  --what WHAT         all (JSONL default), events (CSV default) or checkpoints\n"
      "  --service NAME      only events of drills of this service (checkpoints are kept)\n"
      "  --from DATE         only records at or after DATE\n"
      "  --to DATE           only records on or before DATE (a date includes the whole day)\n"
      "  --output FILE       write to FILE (replaced only when the export is complete) instead\n"
      "                      of standard output\n"
      "\n"
      "A filtered export (--service, --from, --to, --what) is for reading; only a complete one\n"
      "shows the whole chain.\n"
      "\n"
      "Exit status: 0, 4 if the records cannot be read, 1 if the output cannot be written.\n",
      ArgSpec{{}, {"format", "what", "service", "from", "to", "output"}, 0, 0},
      RunExport};
}

Command RecordsPubkeyCommand() {
  return Command{
      "records pubkey",
      "firedrill records pubkey [--json] [--state DIR]",
      "the public key that checkpoints are verified with (PEM)",
      "Prints the public half of the state directory's checkpoint key as PEM. Give it to\n"
      "auditors through a separate channel (not together with a copy of the records): with it\n"
      "they can verify a copy offline, firedrill records verify --pubkey FILE. Read-only.\n"
      "\n"
      "Options:\n"
      "  --json   {key_id, public_key_pem}\n"
      "\n"
      "Exit status: 0, 4 if there is no key yet (it is created with the first checkpoint).\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunPubkey};
}

Command RecordsCheckpointCommand() {
  return Command{
      "records checkpoint",
      "firedrill records checkpoint [--json] [--state DIR]",
      "sign a checkpoint of the event log now",
      "Signs \"the log ends at event N with hash H\" with the state directory's Ed25519 key\n"
      "(created with mode 0600 on first use) and stores it. firedrill signs one after every\n"
      "drill; this signs one now, e.g. before copying the records for an audit. Refuses to sign\n"
      "a log that does not extend the previous checkpoint (run firedrill records verify).\n"
      "\n"
      "Options:\n"
      "  --json   {id, seq, ts, head_hash, key_id}\n"
      "\n"
      "Exit status: 0, 4 if there are no records, 1 if the checkpoint could not be signed.\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunCheckpoint};
}

}  // namespace firedrill
