// Export writers (JSONL, CSV).
#include "orchestrator/store/record_export.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <climits>
#include <map>
#include <ostream>
#include <utility>
#include <vector>

#include "orchestrator/store/checkpoint_json.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/export_seal.h"
#include "orchestrator/store/read_snapshot.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kFormatName = "firedrill-records";

constexpr std::string_view kSelectEvents =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE ts_ms >= ?1 AND ts_ms < ?2 ORDER BY seq";

bool InRange(std::int64_t ms, const ExportFilter& f) {
  return (!f.from || ms >= f.from->time_since_epoch().count()) &&
         (!f.until || ms < f.until->time_since_epoch().count());
}

json::object FilterJson(const ExportFilter& f) {
  json::object o;
  if (f.service) o["service"] = *f.service;
  if (f.from) o["from"] = FormatRecordTime(f.from->time_since_epoch().count());
  if (f.until) o["until"] = FormatRecordTime(f.until->time_since_epoch().count());
  return o;
}

void WriteCheckpointLine(const Checkpoint& cp, ExportFormat format, std::ostream& out) {
  if (format == ExportFormat::kJsonl) {
    json::object o;
    o["type"] = "checkpoint";
    for (const json::key_value_pair& field : CheckpointJson(cp)) o[field.key()] = field.value();
    out << json::serialize(o) << '\n';
  } else {
    // version and prev_seq last: the columns before them are where version 1 exports had them.
    out << cp.id << ',' << cp.seq << ',' << FormatRecordTime(cp.ts.time_since_epoch().count())
        << ',' << Hex(cp.head_hash) << ',' << Hex(cp.prev_hash) << ',' << CsvField(cp.key_id) << ','
        << Hex(cp.signature) << ',' << cp.version << ',';
    if (cp.version >= kCheckpointV2) out << cp.prev_seq;
    out << "\r\n";
  }
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
  ExportSeal seal;
  seal.complete = filter.empty() && options.what == ExportWhat::kAll;
  if (jsonl) {
    json::object header;
    header["type"] = "header";
    header["format"] = kFormatName;
    header["version"] = kExportFormatVersion;
    header["complete"] = seal.complete;
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
      std::string ts = FormatRecordTime(r.ColumnInt64(1));
      std::span<const unsigned char> hash = r.ColumnBlob(7);
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
        o["hash"] = Hex(hash);
        out << json::serialize(o) << '\n';
      } else {
        out << seq << ',' << ts << ',' << CsvField(drill) << ',' << CsvField(r.ColumnText(3)) << ','
            << CsvField(r.ColumnText(4)) << ',' << CsvField(r.ColumnText(5)) << ','
            << Hex(r.ColumnBlob(6)) << ',' << Hex(hash) << "\r\n";
      }
      ++counts.events;
      seal.last_seq = seq;
      seal.head_hash.fill(0);
      if (hash.size() == seal.head_hash.size()) {
        std::copy(hash.begin(), hash.end(), seal.head_hash.begin());
      }
      if (!out) return Error{"writing the export failed"};
    }
  }

  if (options.what != ExportWhat::kEvents) {
    if (!jsonl) out << "id,seq,ts,head_hash,prev_hash,key_id,signature,version,prev_seq\r\n";
    auto checkpoints = ListCheckpoints(db);
    if (!checkpoints) return checkpoints.error();
    auto sha = Sha256::Create();
    if (!sha) return sha.error();
    for (const Checkpoint& cp : *checkpoints) {
      if (!InRange(cp.ts.time_since_epoch().count(), filter)) continue;
      WriteCheckpointLine(cp, options.format, out);
      ++counts.checkpoints;
      seal.last_checkpoint = cp.id;
      if (!CheckpointHash(cp, *sha, &seal.last_checkpoint_hash)) {
        return Error{"SHA-256 failed inside OpenSSL"};
      }
    }
  }
  if (jsonl) {
    seal.events = counts.events;
    seal.checkpoints = counts.checkpoints;
    if (options.seal_key != nullptr) {
      if (Status st = SignSeal(*options.seal_key, &seal); !st) return st.error();
    }
    out << json::serialize(SealJson(seal)) << '\n';
  }
  out.flush();
  if (!out) return Error{"writing the export failed"};
  return counts;
}

}  // namespace firedrill
