// Exporting the records for auditors (JSONL or CSV), and verifying a JSONL export on its own:
// an export carries every field an event's hash covers, and the checkpoints, so a copy can be
// checked without the database.
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
#include "orchestrator/store/signing_key.h"

namespace firedrill {

/// The file formats of an export.
enum class ExportFormat {
  /// One JSON object per line: a header, then {"type":"event",...} in seq order, then
  /// {"type":"checkpoint",...} in id order. Verifiable on its own (VerifyExport).
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
};

/// How many records an export wrote.
struct ExportCounts {
  std::int64_t events = 0;
  std::int64_t checkpoints = 0;
};

/// Writes the records to `out`, from one consistent snapshot of `db`. Event fields: seq, ts (UTC
/// ISO-8601 with milliseconds), drill, kind, actor, payload (the stored JSON text, verbatim, as a
/// string), prev_hash and hash (64 hex digits). Checkpoint fields: id, seq, ts, head_hash,
/// prev_hash, key_id, signature (128 hex digits). A JSONL export starts with a header line
/// {"type":"header","format":"firedrill-records","version":1,"complete":BOOL,"filter":{...}};
/// complete means unfiltered, with events and checkpoints. Fails on a read error, on kCsv with
/// kAll, or when `out` fails. Reads only.
Expected<ExportCounts> ExportRecords(Database& db, const ExportOptions& options, std::ostream& out);

/// Returns `field` as an RFC 4180 CSV field: quoted (with inner quotes doubled) iff it contains
/// a comma, a double quote, CR or LF; else unchanged.
std::string CsvField(std::string_view field);

/// Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" (exactly the form exports and FormatUtc write) into
/// milliseconds since the Unix epoch; nullopt for anything else.
std::optional<std::int64_t> ParseExportTime(std::string_view text);

/// Verifies a complete JSONL export read from `in` (`name` names it in messages) exactly as
/// VerifyRecords verifies a database: every event re-hashed from the exported fields with the
/// event_hash encoding, the chain walked from event 1, every checkpoint checked with `key`
/// (which may be null only if the export holds no checkpoints). A line that is not a valid
/// record makes the report bad, naming the line ("<name> line N: ..."). Fails (Error) if the
/// input is not a firedrill JSONL export, is a filtered or partial one (those cannot show a
/// complete chain), or cannot be read.
Expected<RecordsReport> VerifyExport(std::istream& in, std::string_view name,
                                     const SigningKey* key);

}  // namespace firedrill
