// Scheduling as a team lead does it: schedule (or reschedule) a drill file, cancel it, record the
// briefing. Used by the CLI on the state directory directly and by the daemon's API, so that both
// check, record and announce exactly the same way.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/schedule_table.h"

namespace firedrill {

/// One window of a drill: [start, end).
struct WindowSpan {
  SysTime start;
  SysTime end;
};

/// Returns where `drill` breaks things, one key per machine: "local" for targets on this machine,
/// the lower-cased SSH host otherwise. Two drills sharing a key must not run at the same time.
std::vector<std::string> TargetKeys(const Drill& drill);

/// Returns up to `max` windows of `drill` that end after `from`, in order: its own window, or the
/// occurrences of a repeating window.
std::vector<WindowSpan> UpcomingWindows(const Drill& drill, SysTime from, std::size_t max);

/// What `firedrill schedule` was asked.
struct ScheduleRequest {
  std::string file;           ///< the drill file's path, for records and messages
  std::string source;         ///< its text
  std::string by;             ///< who schedules it
  std::string lead_override;  ///< a reason to inject despite a late announcement; "" = none
  SysTime now;
};

/// What scheduling did.
struct ScheduleOutcome {
  ScheduleRecord record;
  bool rescheduled = false;           ///< the drill id was scheduled before (SEQUENCE bumped)
  std::filesystem::path invite;       ///< the calendar invite written; empty if none
  std::vector<std::string> warnings;  ///< e.g. a late announcement, people left off the invite
};

/// Returns a schedule as the API and `--json` show it: id, file, state, sequence, announced,
/// window_start, window_end, targets and (when set) lead_override.
boost::json::object ScheduleJson(const ScheduleRecord& record);

/// Returns ScheduleJson of the record plus rescheduled, invite and warnings.
boost::json::object ScheduleOutcomeJson(const ScheduleOutcome& outcome);

/// The JSON object of one row of the schedules listing (`GET /v1/drills`, `firedrill list
/// --json`): id, title, service, state, window_start, window_end (UTC), zone.
boost::json::object ListingJson(const ScheduleListing& listing);

/// Appends the text of ListingJson(listing) to `out`, byte for byte what boost::json::serialize
/// writes, without building the object: for listings of thousands of drills.
void AppendListingJson(std::string& out, const ScheduleListing& listing);

/// Schedules `request.file` (or reschedules it, when its id is already scheduled or ran before):
/// the drill must load without problems, have a window that is not over and not in a declared
/// blackout (AddBlackout), and share no target with another scheduled drill whose windows overlap
/// its own (both named in the error). Records
/// `scheduled` (or `rescheduled`) in the event log, writes the calendar invite (METHOD:REQUEST,
/// SEQUENCE bumped on reschedule) to `state_dir/invites/ID.SEQ.ics`, and stores the schedule.
/// Fails changing nothing; the error lists every problem of an invalid drill file.
Expected<ScheduleOutcome> ScheduleDrill(Database& db, const std::filesystem::path& state_dir,
                                        const ScheduleRequest& request);

/// Cancels the scheduled drill `drill_id` (a running one must be aborted first): records
/// `cancelled` with `reason` and `by`, writes the CANCEL invite with the next SEQUENCE and marks
/// the schedule cancelled. Fails on an unknown id, an empty reason, or a drill not scheduled.
Expected<ScheduleOutcome> CancelSchedule(Database& db, const std::filesystem::path& state_dir,
                                         const std::string& drill_id, const std::string& reason,
                                         const std::string& by, SysTime now);

/// Declares blackout `b` for every drill of the state directory (stored, and recorded as a
/// `blackout-added` event). Returns the names of scheduled drills whose next window overlaps it
/// (they will be vetoed, or halted if running). Fails on an empty name or an end not after the
/// start, or an end in the past.
Expected<std::vector<std::string>> AddBlackout(Database& db, const Blackout& b,
                                               const std::string& by, SysTime now);

/// Records that `by` briefed the team on the playbook of scheduled drill `drill_id` (`briefed`
/// event, actor `by`, with `note`). Fails on an unknown id or an empty `by`.
Status RecordBriefing(Database& db, const std::string& drill_id, const std::string& by,
                      const std::string& note);

}  // namespace firedrill
