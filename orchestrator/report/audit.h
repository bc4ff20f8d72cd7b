// The audit report: for every drill run in a period, whether it was announced and briefed,
// whether it kept to its window, whether every fault was restored and verified, who recovered,
// TTD/TTR against the objectives and whether a postmortem exists; and per service and quarter,
// how many drills ran, median and p90 TTD/TTR, the share auto-restored, and which services of
// the drills table were not drilled. Pure; audit_loader.h reads the records, audit_render.h and
// audit_json.h write the documents.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// The runs an audit covers: window start (UTC) in [from, to). Unset ends are open.
struct AuditPeriod {
  std::optional<SysTime> from;
  std::optional<SysTime> to;
};

/// One drill run, as an auditor checks it.
struct AuditRow {
  std::string run_id;
  std::string drill_id;
  /// From the recorded drill text; when it does not load, from the drills table (LoadAudit),
  /// else "unknown".
  std::string service;
  std::optional<SysTime> window_start;
  std::optional<SysTime> window_end;
  std::string quarter;  ///< "2027-Q2", of the window start (UTC), else of the run's start

  std::string announced;  ///< "met", "overridden", "late", "not recorded"
  std::string announced_detail;
  std::string briefed;  ///< "recorded", "not recorded"
  std::string briefed_detail;
  std::string window_respected;  ///< "yes", "no", "unknown"
  std::string window_detail;

  int faults_injected = 0;
  int faults_restored_verified = 0;
  int faults_restored_unverified = 0;  ///< restored, checked only by the restore command's status
  std::vector<std::string> faults_not_restored;
  bool all_restored_verified = false;  ///< every injected fault restored and verified

  RunOutcome outcome = RunOutcome::kInProgress;
  std::string recovered_by;  ///< "team", "auto-restored", "aborted", "restore incomplete", ...

  std::optional<Duration> ttd_human;
  std::optional<Duration> ttd_alert;
  std::optional<Duration> ttr;  ///< CountedTtr
  std::optional<Duration> detect_objective;
  std::optional<Duration> recover_objective;
  Verdict ttd_human_verdict = Verdict::kNotReached;
  Verdict ttd_alert_verdict = Verdict::kNotReached;
  Verdict ttr_verdict = Verdict::kNotReached;

  bool postmortem = false;  ///< <state_dir>/postmortems/<run id>.md exists
};

/// Median and 90th percentile of a set of durations (nullopt when the set is empty).
struct Spread {
  std::size_t count = 0;
  std::optional<Duration> median;
  std::optional<Duration> p90;
};

/// The drills of one service in one quarter.
struct ServiceQuarter {
  std::string service;
  std::string quarter;
  int runs = 0;    ///< every run, refused ones included
  int drills = 0;  ///< runs that injected at least one fault
  Spread ttd_human;
  Spread ttd_alert;
  Spread ttr;             ///< over runs the team recovered
  int auto_restored = 0;  ///< drills auto-restored at window end
  /// auto_restored / drills (0 when there were no drills).
  double auto_restored_share = 0;
};

/// The whole report.
struct AuditReport {
  AuditPeriod period;
  std::vector<AuditRow> rows;            ///< by window start, then run id
  std::vector<ServiceQuarter> services;  ///< by service, then quarter
  std::vector<std::string> not_drilled;  ///< services of the drills table with no drill
};

/// Returns the median (the mean of the two middle values for an even count) and the
/// nearest-rank 90th percentile (the value at rank ceil(0.9 n)) of `values`.
Spread SpreadOf(std::vector<Duration> values);

/// Returns "2027-Q2" for an instant (UTC quarters).
std::string QuarterOf(SysTime t);

/// Returns the audit row of one run. `postmortem_exists` says whether its postmortem file is
/// there. Pure.
AuditRow AuditRun(const RunFacts& facts, bool postmortem_exists);

/// Builds the report from the rows of the runs already selected for `period` (AuditRun) and the
/// services of the drills table: sorts the rows, groups them per service and quarter and lists
/// the services not drilled. Pure.
AuditReport BuildAudit(std::vector<AuditRow> rows, const std::vector<std::string>& services,
                       const AuditPeriod& period);

}  // namespace firedrill
