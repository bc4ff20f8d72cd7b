// The drills table: one row per known drill, for listing and lookup. Not tamper-evident by
// itself; what happened during a drill is in the event log.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// A drill as the record store knows it.
struct DrillRecord {
  std::string id;
  std::string title;
  std::string service;
  std::string owner;
  std::string source_file;    ///< path of the drill file as given to the loader
  std::string source_sha256;  ///< hex SHA-256 of the drill file's bytes
  SysTime window_start;
  SysTime window_end;
  std::string zone;  ///< IANA zone the window is read in
  /// When the drill was first recorded. Left at the epoch, UpsertDrill fills in "now"; on later
  /// upserts of the same id the first value is kept.
  SysTime created;
};

/// Reads and writes the drills table of one Database. Holds a reference to `db`, which must
/// outlive it. Same threading rule as the Database (one thread at a time).
class DrillTable {
 public:
  explicit DrillTable(Database& db) : db_(db) {}

  /// Inserts the drill, or updates every field but `created` if its id is already known. Fails
  /// (nothing written) on an empty id, a read-only database, or a database busy past the
  /// timeout.
  Status UpsertDrill(const DrillRecord& drill);

  /// Returns every drill, ordered by window start, then id.
  Expected<std::vector<DrillRecord>> ListDrills();

  /// Returns the drill with this id, or nullopt if there is none.
  Expected<std::optional<DrillRecord>> GetDrill(std::string_view id);

 private:
  Database& db_;
};

}  // namespace firedrill
