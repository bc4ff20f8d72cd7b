// Exporting the records for auditors (JSONL or CSV): an export carries every field an event's
// hash covers, and the checkpoints, so a copy can be checked without the database
// (export_verify.h).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/record_text.h"
#include "orchestrator/store/signing_key.h"

namespace firedrill {

/// The version of the JSONL export format this firedrill writes: 2 adds the end line and the
/// checkpoints' version and prev_seq. Version 1 exports are still read.
inline constexpr std::int64_t kExportFormatVersion = 2;

/// The file formats of an export.
enum class ExportFormat {
  /// One JSON object per line: a header, then {"type":"event",...} in seq order, then
  /// {"type":"checkpoint",...} in id order, then the end line (export_seal.h). Verifiable on its
  /// own (VerifyExport).
  kJsonl,
  /// RFC 4180 CSV (CRLF line ends, a header row, fields quoted when needed) of one table: the
  /// events or the checkpoints.
  kCsv,
};

/// Which records an export holds.
enum class ExportWhat {
  kAll,          ///< events and checkpoints (JSONL only)
  kEvents,       ///< events only
  kCheckpoints,  ///< checkpoints only
};

/// Which records to keep. An empty filter keeps everything.
struct ExportFilter {
  /// Only events of drills of this service (as recorded in the drills table); events of unknown
  /// drills are left out. Checkpoints are not per service and are kept.
  std::optional<std::string> service;
  std::optional<SysTime> from;   ///< only records at or after this instant
  std::optional<SysTime> until;  ///< only records strictly before this instant

  /// True iff no field is set.
  bool empty() const { return !service && !from && !until; }
};

/// What to export, and how.
struct ExportOptions {
  ExportFormat format = ExportFormat::kJsonl;
  ExportWhat what = ExportWhat::kAll;  ///< kAll is refused for kCsv
  ExportFilter filter;
  /// Signs a JSONL export's end line when set and holding the private key (the state
  /// directory's checkpoint key); the end line is unsigned otherwise. Not owned; must outlive the
  /// export.
  const SigningKey* seal_key = nullptr;
};

/// How many records an export wrote.
struct ExportCounts {
  std::int64_t events = 0;
  std::int64_t checkpoints = 0;
};

/// Writes the records to `out`, from one consistent snapshot of `db`. Event fields: seq, ts (UTC
/// ISO-8601 with milliseconds), drill, kind, actor, payload (the stored JSON text, verbatim, as a
/// string), prev_hash and hash (64 hex digits). Checkpoint fields: those of CheckpointJson
/// (version, id, seq, ts, head_hash, prev_hash, prev_seq, key_id, signature); CSV columns id, seq,
/// ts, head_hash, prev_hash, key_id, signature, version, prev_seq. A JSONL export starts with a
/// header line {"type":"header","format":"firedrill-records","version":2,"complete":BOOL,
/// "filter":{...}} (complete means unfiltered, with events and checkpoints) and ends with the end
/// line (export_seal.h), signed with options.seal_key when given. Fails on a read error, on kCsv
/// with kAll, on a seal key that cannot sign, or when `out` fails. Reads only.
Expected<ExportCounts> ExportRecords(Database& db, const ExportOptions& options, std::ostream& out);

/// Returns `field` as an RFC 4180 CSV field: quoted (with inner quotes doubled) iff it contains
/// a comma, a double quote, CR or LF; else unchanged.
std::string CsvField(std::string_view field);

}  // namespace firedrill
