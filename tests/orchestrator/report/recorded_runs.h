// Recorded drill runs for the report tests: the event sequences the engine writes, with fixed
// timestamps, for a team recovery, an auto-restore, a guard abort and a failed restore.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/store/event_log.h"

namespace firedrill::testing {

/// The instant `utc` in a form ParseUtc reads ("2027-06-01T08:00:00Z"); fails the test (REQUIRE)
/// if it does not parse.
SysTime At(const std::string& utc);

/// The drill the runs are of: checkout, Europe/Copenhagen, window 08:00-09:00 UTC on the given
/// day, two command faults, one probe with a guard, objectives detect 5m / recover 15m,
/// availability 99.9 over 30d, three participants. `id` replaces the drill id.
std::string CheckoutDrillText(const std::string& id, const std::string& day = "2027-06-01",
                              const std::string& service = "checkout");

/// The same drill without objectives, probes and guards (the team's mark is then the TTR), with
/// `briefing_required = true`, zone UTC and a 2m grace.
std::string QuietDrillText(const std::string& id, const std::string& day = "2027-06-01",
                           const std::string& service = "checkout");

/// Builds the events of one run with fixed timestamps, as the engine records them.
class RunBuilder {
 public:
  /// A run of drill `id` (text `source`) whose window opens at `window_start`.
  RunBuilder(std::string drill_id, std::string run_id, std::string source, SysTime window_start,
             SysTime window_end);

  /// Adds an event `offset` after the window start (negative: before it). The run id is added to
  /// the payload; `actor` defaults to "orchestrator".
  RunBuilder& At(Duration offset, const std::string& kind, boost::json::object payload = {},
                 const std::string& actor = "orchestrator");

  /// The events so far, in order.
  const std::vector<NewEvent>& events() const { return events_; }

 private:
  std::string drill_id_;
  std::string run_id_;
  SysTime start_;
  std::vector<NewEvent> events_;
};

/// The four recorded runs of the golden tests, by name: "team-recovered", "auto-restored",
/// "aborted", "restore-failed". Each is a run of drill "checkout-<name>" on 2027-06-01.
std::vector<NewEvent> RecordedRun(const std::string& name);

/// Returns `events` as the event log would hold them once appended: seq 1, 2, 3, ... in order
/// (no hashes). Every `ts` must be set.
std::vector<Event> AsEvents(const std::vector<NewEvent>& events);

/// Returns the run id RecordedRun(name) uses.
std::string RecordedRunId(const std::string& name);

/// Returns `events` with what the engine records in `run-started` since drill facts exist: the
/// drill's facts (DrillFactsJson of the drill in "source") under "drill_facts", "run" still
/// last. A `run-started` whose text does not load is left as it was.
std::vector<NewEvent> WithDrillFacts(std::vector<NewEvent> events);

/// A postmortem as a team edits it: a table before the action items that is not theirs, and an
/// "Action items" table with a ticket already written (OPS-12), a blank row, a cell with an
/// escaped '|', and a priority Jira does not know, then a table after it.
extern const char kEditedPostmortem[];

/// Writes the events of RecordedRun(`name`) into the records of the state directory `state`
/// (created when missing), as a run would have. Throws std::runtime_error when it cannot.
void RecordRunIn(const std::filesystem::path& state, const std::string& name);

/// The `notice-delivered` and `notice-failed` events of drill `drill_id` in the records of
/// `state`, in order: each one's kind and payload. Throws std::runtime_error when they cannot be
/// read.
std::vector<std::pair<std::string, boost::json::object>> NoticesIn(
    const std::filesystem::path& state, const std::string& drill_id);

}  // namespace firedrill::testing
