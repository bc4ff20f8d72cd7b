// Export writers (JSONL, CSV) and the JSONL export verifier.
#include "orchestrator/store/record_export.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <istream>
#include <map>
#include <ostream>
#include <utility>
#include <vector>

#include "orchestrator/store/chain_verifier.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kFormatName = "firedrill-records";
constexpr std::int64_t kFormatVersion = 1;

constexpr std::string_view kSelectEvents =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE ts_ms >= ?1 AND ts_ms < ?2 ORDER BY seq";

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

// The same text as FormatUtc, without a stream per call: exports write millions of these.
std::string FormatTime(std::int64_t ms) {
  constexpr std::int64_t kDay = 86'400'000;
  std::int64_t days = ms >= 0 ? ms / kDay : (ms - kDay + 1) / kDay;
  std::int64_t in_day = ms - days * kDay;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, in_day / 3'600'000,
                     in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000);
}

std::string Hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // lowercase only: exports never write uppercase, and one spelling is simpler
}

bool FromHex(std::string_view hex, std::vector<unsigned char>* out) {
  if (hex.size() % 2 != 0) return false;
  out->resize(hex.size() / 2);
  for (std::size_t i = 0; i < out->size(); ++i) {
    int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

bool FromHex(std::string_view hex, Hash256* out) {
  std::vector<unsigned char> bytes;
  if (!FromHex(hex, &bytes) || bytes.size() != out->size()) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

// Ends a read snapshot (a deferred transaction) on every path.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot() {
    if (open_) (void)db_.Exec("COMMIT");
  }
  Status Begin() {
    Status st = db_.Exec("BEGIN");
    open_ = st.ok();
    return st;
  }

 private:
  Database& db_;
  bool open_ = false;
};

bool InRange(std::int64_t ms, const ExportFilter& f) {
  return (!f.from || ms >= f.from->time_since_epoch().count()) &&
         (!f.until || ms < f.until->time_since_epoch().count());
}

json::object FilterJson(const ExportFilter& f) {
  json::object o;
  if (f.service) o["service"] = *f.service;
  if (f.from) o["from"] = FormatTime(f.from->time_since_epoch().count());
  if (f.until) o["until"] = FormatTime(f.until->time_since_epoch().count());
  return o;
}

void WriteCheckpoint(const Checkpoint& cp, ExportFormat format, std::ostream& out) {
  std::string ts = FormatTime(cp.ts.time_since_epoch().count());
  if (format == ExportFormat::kJsonl) {
    json::object o;
    o["type"] = "checkpoint";
    o["id"] = cp.id;
    o["seq"] = cp.seq;
    o["ts"] = ts;
    o["head_hash"] = Hex(cp.head_hash);
    o["prev_hash"] = Hex(cp.prev_hash);
    o["key_id"] = cp.key_id;
    o["signature"] = Hex(cp.signature);
    out << json::serialize(o) << '\n';
  } else {
    out << cp.id << ',' << cp.seq << ',' << ts << ',' << Hex(cp.head_hash) << ','
        << Hex(cp.prev_hash) << ',' << CsvField(cp.key_id) << ',' << Hex(cp.signature) << "\r\n";
  }
}

// A malformed line: the report is bad, naming it.
struct LineError {
  std::string message;
};

// Field readers for one parsed line; throw LineError naming the field.
const json::value& Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) throw LineError{fmt::format("no \"{}\" field", name)};
  return *v;
}
std::int64_t IntField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_int64()) throw LineError{fmt::format("\"{}\" is not an integer", name)};
  return v.get_int64();
}
std::string_view StringField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_string()) throw LineError{fmt::format("\"{}\" is not a string", name)};
  return {v.get_string().data(), v.get_string().size()};
}
std::int64_t TimeField(const json::object& o, std::string_view name) {
  auto ms = ParseExportTime(StringField(o, name));
  if (!ms)
    throw LineError{fmt::format("\"{}\" is not a UTC time like 2026-01-31T09:00:00.000Z", name)};
  return *ms;
}
Hash256 HashField(const json::object& o, std::string_view name) {
  Hash256 h{};
  if (!FromHex(StringField(o, name), &h)) {
    throw LineError{fmt::format("\"{}\" is not 64 lowercase hex digits", name)};
  }
  return h;
}

}  // namespace

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::int64_t> ParseExportTime(std::string_view t) {
  // 2026-01-31T09:00:00.000Z
  if (t.size() != 24 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || t[19] != '.' || t[23] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<std::int64_t> {
    std::int64_t v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
       s = num(17, 2), ms = num(20, 3);
  if (!y || !mo || !d || !h || !mi || !s || !ms) return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*d > kDays[*mo - 1] + (*mo == 2 && leap ? 1 : 0)) return std::nullopt;
  std::int64_t days = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return ((days * 24 + *h) * 60 + *mi) * 60'000 + *s * 1000 + *ms;
}

Expected<ExportCounts> ExportRecords(Database& db, const ExportOptions& options,
                                     std::ostream& out) {
  const bool jsonl = options.format == ExportFormat::kJsonl;
  if (!jsonl && options.what == ExportWhat::kAll) {
    return Error{"a CSV export holds one table: choose the events or the checkpoints"};
  }
  const ExportFilter& filter = options.filter;
  ReadSnapshot snapshot(db);
  if (Status st = snapshot.Begin(); !st) return st.error();

  // Drill id -> service, for --service.
  std::map<std::string, std::string, std::less<>> service_of;
  if (filter.service) {
    auto drills = DrillTable(db).ListDrills();
    if (!drills) return drills.error();
    for (const DrillRecord& d : *drills) service_of[d.id] = d.service;
  }

  ExportCounts counts;
  if (jsonl) {
    json::object header;
    header["type"] = "header";
    header["format"] = kFormatName;
    header["version"] = kFormatVersion;
    header["complete"] = filter.empty() && options.what == ExportWhat::kAll;
    header["filter"] = FilterJson(filter);
    out << json::serialize(header) << '\n';
  }

  if (options.what != ExportWhat::kCheckpoints) {
    if (!jsonl) out << "seq,ts,drill,kind,actor,payload,prev_hash,hash\r\n";
    auto stmt = Statement::Prepare(db, kSelectEvents);
    if (!stmt) return stmt.error();
    std::int64_t lo = filter.from ? filter.from->time_since_epoch().count() : INT64_MIN;
    std::int64_t hi = filter.until ? filter.until->time_since_epoch().count() : INT64_MAX;
    if (Status st = stmt->Bind(1, lo); !st) return st.error();
    if (Status st = stmt->Bind(2, hi); !st) return st.error();
    for (;;) {
      auto row = stmt->Step();
      if (!row) return row.error();
      if (!*row) break;
      const Statement& r = *stmt;
      std::string_view drill = r.ColumnText(2);
      if (filter.service) {
        auto it = service_of.find(drill);
        if (it == service_of.end() || it->second != *filter.service) continue;
      }
      std::int64_t seq = r.ColumnInt64(0);
      std::string ts = FormatTime(r.ColumnInt64(1));
      if (jsonl) {
        json::object o;
        o["type"] = "event";
        o["seq"] = seq;
        o["ts"] = ts;
        o["drill"] = drill;
        o["kind"] = r.ColumnText(3);
        o["actor"] = r.ColumnText(4);
        o["payload"] = r.ColumnText(5);
        o["prev_hash"] = Hex(r.ColumnBlob(6));
        o["hash"] = Hex(r.ColumnBlob(7));
        out << json::serialize(o) << '\n';
      } else {
        out << seq << ',' << ts << ',' << CsvField(drill) << ',' << CsvField(r.ColumnText(3)) << ','
            << CsvField(r.ColumnText(4)) << ',' << CsvField(r.ColumnText(5)) << ','
            << Hex(r.ColumnBlob(6)) << ',' << Hex(r.ColumnBlob(7)) << "\r\n";
      }
      ++counts.events;
      if (!out) return Error{"writing the export failed"};
    }
  }

  if (options.what != ExportWhat::kEvents) {
    if (!jsonl) out << "id,seq,ts,head_hash,prev_hash,key_id,signature\r\n";
    auto checkpoints = ListCheckpoints(db);
    if (!checkpoints) return checkpoints.error();
    for (const Checkpoint& cp : *checkpoints) {
      if (!InRange(cp.ts.time_since_epoch().count(), filter)) continue;
      WriteCheckpoint(cp, options.format, out);
      ++counts.checkpoints;
    }
  }
  out.flush();
  if (!out) return Error{"writing the export failed"};
  return counts;
}

Expected<RecordsReport> VerifyExport(std::istream& in, std::string_view name,
                                     const SigningKey* key) {
  std::string line;
  if (!std::getline(in, line)) {
    return Error{fmt::format("{} is empty: not a firedrill JSONL export", name)};
  }
  {
    boost::system::error_code ec;
    json::value header = json::parse(line, ec);
    const json::object* h = !ec && header.is_object() ? &header.as_object() : nullptr;
    const json::value* type = h ? h->if_contains("type") : nullptr;
    const json::value* format = h ? h->if_contains("format") : nullptr;
    if (h == nullptr || type == nullptr || *type != "header" || format == nullptr ||
        *format != json::string_view(kFormatName.data(), kFormatName.size())) {
      return Error{fmt::format(
          "{} is not a firedrill JSONL export (its first line is not the export header; make "
          "one with firedrill records export --format jsonl)",
          name)};
    }
    const json::value* version = h->if_contains("version");
    if (version == nullptr || *version != kFormatVersion) {
      return Error{fmt::format("{}: export format version {} is not one this firedrill reads (1)",
                               name, version ? json::serialize(*version) : "missing")};
    }
    const json::value* complete = h->if_contains("complete");
    if (complete == nullptr || *complete != true) {
      const json::value* filter = h->if_contains("filter");
      return Error{fmt::format(
          "{} is a partial export (filter {}); only a complete export (no --service, --from, "
          "--to or --what) shows the whole chain and can be verified on its own",
          name, filter ? json::serialize(*filter) : "{}")};
    }
  }

  auto verifier = ChainVerifier::Start();
  if (!verifier) return verifier.error();
  RecordsReport report;
  std::vector<Hash256> hashes;            // hashes[seq - 1], for the unbroken run of seqs from 1
  std::map<std::int64_t, Hash256> stray;  // events after a gap or out of order
  std::vector<Checkpoint> checkpoints;
  std::optional<std::string> bad_line;
  bool chain_done = false;
  std::int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec) throw LineError{"not valid JSON (" + ec.message() + ")"};
      if (!v.is_object()) throw LineError{"not a JSON object"};
      const json::object& o = v.as_object();
      std::string_view type = StringField(o, "type");
      if (type == "event") {
        if (!checkpoints.empty()) throw LineError{"an event after the checkpoints"};
        std::int64_t seq = IntField(o, "seq");
        Hash256 prev = HashField(o, "prev_hash");
        Hash256 hash = HashField(o, "hash");
        StoredEventView view{seq,
                             TimeField(o, "ts"),
                             StringField(o, "drill"),
                             StringField(o, "kind"),
                             StringField(o, "actor"),
                             StringField(o, "payload"),
                             prev,
                             hash};
        report.last_seq = std::max(report.last_seq, seq);
        if (seq == static_cast<std::int64_t>(hashes.size()) + 1) {
          hashes.push_back(hash);
        } else {
          stray.emplace(seq, hash);
        }
        if (!chain_done && !verifier->Add(view)) chain_done = true;
      } else if (type == "checkpoint") {
        Checkpoint cp;
        cp.id = IntField(o, "id");
        cp.seq = IntField(o, "seq");
        cp.ts = SysTime(std::chrono::milliseconds(TimeField(o, "ts")));
        cp.head_hash = HashField(o, "head_hash");
        cp.prev_hash = HashField(o, "prev_hash");
        cp.key_id = StringField(o, "key_id");
        if (!FromHex(StringField(o, "signature"), &cp.signature)) {
          throw LineError{"\"signature\" is not lowercase hex digits"};
        }
        checkpoints.push_back(std::move(cp));
      } else if (type == "header") {
        throw LineError{"a second header (two exports joined?)"};
      } else {
        throw LineError{fmt::format("unknown record type \"{}\"", type)};
      }
    } catch (const LineError& e) {
      bad_line = fmt::format("{} line {}: not a valid export record: {}", name, line_no, e.message);
      break;
    }
  }
  if (in.bad()) return Error{fmt::format("cannot read {}", name)};
  auto chain = verifier->Finish();
  if (!chain) return chain.error();
  report.chain = std::move(*chain);
  if (bad_line) {
    // The export itself is damaged: nothing after the bad line can be trusted or checked.
    report.chain.ok = false;
    report.chain.problem =
        report.chain.problem.empty() ? *bad_line : report.chain.problem + "; and " + *bad_line;
    return report;
  }
  if (checkpoints.empty()) return report;
  if (key == nullptr) {
    return Error{fmt::format("{} holds {} checkpoint{}: pass --pubkey FILE to check them", name,
                             checkpoints.size(), checkpoints.size() == 1 ? "" : "s")};
  }
  auto checked = CheckCheckpoints(
      checkpoints, *key, report.last_seq,
      [&](std::int64_t seq) -> Expected<std::optional<Hash256>> {
        if (seq >= 1 && seq <= static_cast<std::int64_t>(hashes.size())) {
          return std::optional<Hash256>(hashes[static_cast<std::size_t>(seq - 1)]);
        }
        auto it = stray.find(seq);
        return it == stray.end() ? std::optional<Hash256>() : std::optional<Hash256>(it->second);
      });
  if (!checked) return checked.error();
  report.checkpoints = std::move(*checked);
  return report;
}

}  // namespace firedrill
