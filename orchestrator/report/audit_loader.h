// The audit report read from the records: every run's row derived from the event log in one
// pass (LoadAudit, for a command that runs once), or kept between reports and brought up to date
// with only the events appended since (AuditCache, for the daemon's console).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "drills/expected.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Reads the records (one pass over the event log, one read of the drills table, one listing of
/// `<state_dir>/postmortems`) and builds the report of the runs whose window starts in
/// `period`. Read-only. Fails with the store's error.
Expected<AuditReport> LoadAudit(Database& db, const std::filesystem::path& state_dir,
                                const AuditPeriod& period);

/// Every run's audit row, kept between reports: each report reads only the events appended since
/// the last one, and derives again only the runs those events belong to (a run's row depends on
/// its events alone). The first report reads the whole log, as LoadAudit does. Whether a
/// postmortem exists and the drills table are read on every report. Not thread-safe.
class AuditCache {
 public:
  /// Returns the report of the runs whose window starts in `period`, as LoadAudit would.
  Expected<AuditReport> Report(Database& db, const std::filesystem::path& state_dir,
                               const AuditPeriod& period);

  /// The last event seq read (0 before the first report).
  std::int64_t seen() const { return seen_; }
  /// The runs derived again by the last report.
  std::size_t derived() const { return derived_; }

 private:
  struct Entry {
    AuditRow row;
    SysTime when;  ///< what the period is compared with: the window start, else the first event
  };
  std::int64_t seen_ = 0;
  std::size_t derived_ = 0;
  std::unordered_map<std::string, Entry> runs_;  ///< by run id
};

}  // namespace firedrill
