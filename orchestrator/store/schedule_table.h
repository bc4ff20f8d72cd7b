// The schedules table: the drills the daemon runs and when, as a working copy. What happened to a
// schedule (scheduled, rescheduled, briefed, cancelled) is in the event log, tamper-evident.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Where a scheduled drill is in its life.
enum class ScheduleState { kScheduled, kRunning, kDone, kCancelled };

/// Returns "scheduled", "running", "done" or "cancelled".
std::string_view ScheduleStateName(ScheduleState state);

/// Returns true iff `drill_source` may have a repeating window: it contains "repeat" anywhere
/// (a superset of the texts with a `repeat` key, cheap and without parsing). Stored with each
/// schedule (the `repeats` column) so that MayOverlap finds those by an index.
bool Repeats(std::string_view drill_source);

/// One scheduled drill.
struct ScheduleRecord {
  std::string drill_id;
  std::string drill_file;    ///< path as given when scheduled
  std::string drill_source;  ///< the file's text when scheduled: what the daemon runs
  ScheduleState state = ScheduleState::kScheduled;
  int sequence = 0;                  ///< the calendar invite's SEQUENCE
  SysTime announced;                 ///< when the current window was announced
  SysTime next_start;                ///< the next (or running) occurrence of the window
  SysTime next_end;                  ///< its end
  std::vector<std::string> targets;  ///< where it breaks things (see TargetKeys)
  std::string lead_override;         ///< why a late announcement may still inject; "" = none
  std::optional<SysTime> reminded;   ///< when the T-24h notice of next_start went out
  int notified_sequence = -1;        ///< the SEQUENCE whose chat notice went out
  SysTime updated;                   ///< last change (filled in by Put)
};

/// A scheduled drill as `firedrill list` shows it: the schedule and the drill's names.
struct ScheduleListing {
  std::string drill_id;
  std::string title;
  std::string service;
  std::string zone;
  ScheduleState state = ScheduleState::kScheduled;
  SysTime next_start;
  SysTime next_end;
};

/// Reads and writes the schedules table of one Database, which must outlive it. Same threading
/// rule as the Database (one thread at a time).
class ScheduleTable {
 public:
  explicit ScheduleTable(Database& db) : db_(db) {}

  /// Inserts the record, or replaces the one with its drill id; sets `updated` to now. Fails
  /// (nothing written) on an empty id or a database that cannot be written.
  Status Put(const ScheduleRecord& record);

  /// Returns the record of `drill_id`, or nullopt if it was never scheduled.
  Expected<std::optional<ScheduleRecord>> Get(std::string_view drill_id);

  /// Returns every record in `states` (all when empty), ordered by next_start then id.
  Expected<std::vector<ScheduleRecord>> List(const std::vector<ScheduleState>& states = {});

  /// Returns the listing of every record in `states` (all when empty), ordered by next_start
  /// then id, without the drill texts: one indexed query joined with the drills table.
  Expected<std::vector<ScheduleListing>> Listing(const std::vector<ScheduleState>& states = {});

  /// Returns the scheduled or running records other than `exclude` that may have a window in
  /// [from, to): those whose next window overlaps it, and every repeating one (Repeats() of its
  /// drill text), whose later windows the caller must check. Ordered by next_start then id. Reads
  /// only those rows (indexes on the window's end and on `repeats`), however many are scheduled.
  Expected<std::vector<ScheduleRecord>> MayOverlap(SysTime from, SysTime to,
                                                   std::string_view exclude);

  /// Returns the records whose latest change (SEQUENCE) has not been announced in chat yet.
  Expected<std::vector<ScheduleRecord>> PendingNotices();

  /// Sets the state of `drill_id`. Fails if there is no such schedule.
  Status SetState(std::string_view drill_id, ScheduleState state);

 private:
  Database& db_;
};

/// Returns the latest briefing of `drill_id` recorded at or after `since` (who, when), if any.
Expected<std::optional<std::pair<std::string, SysTime>>> LatestBriefing(Database& db,
                                                                        const std::string& drill_id,
                                                                        SysTime since);

}  // namespace firedrill
