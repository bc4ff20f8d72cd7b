#include "orchestrator/report/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <map>
#include <unordered_map>

#include "drills/zoned_time.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

constexpr Duration kDefaultGrace = std::chrono::minutes(10);

std::string RecoveredBy(RunOutcome o) {
  switch (o) {
    case RunOutcome::kRecoveredByTeam:
      return "team";
    case RunOutcome::kAbsorbed:
      return "the system (absorbed)";
    case RunOutcome::kAutoRestored:
      return "auto-restored";
    case RunOutcome::kAborted:
      return "aborted";
    case RunOutcome::kInconclusive:
      return "inconclusive (no observable effect)";
    case RunOutcome::kInterrupted:
      return "interrupted";
    case RunOutcome::kRestoreIncomplete:
      return "restore incomplete";
    case RunOutcome::kRefused:
      return "refused (nothing injected)";
    case RunOutcome::kNotInjected:
      return "ended before injecting";
    case RunOutcome::kInProgress:
      return "in progress";
  }
  return "in progress";
}

// CountedTtr's rule (metrics.h), read from the drill facts: `drill` is not parsed for an audit.
std::optional<Duration> CountedTtrOf(const RunFacts& f) {
  if (!f.team_recovered) return std::nullopt;
  bool no_probes = f.drill_facts && !f.drill_facts->has_probes;
  return no_probes ? f.ttr_team : f.ttr_probe;
}
}  // namespace

Spread SpreadOf(std::vector<Duration> values) {
  Spread s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  std::size_t rank = (9 * n + 9) / 10;  // ceil(0.9 n), in integers
  s.p90 = values[std::max<std::size_t>(rank, 1) - 1];
  return s;
}

std::string QuarterOf(SysTime t) {
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  unsigned month = static_cast<unsigned>(ymd.month());
  return fmt::format("{}-Q{}", static_cast<int>(ymd.year()), (month - 1) / 3 + 1);
}

AuditRow AuditRun(const RunFacts& f, bool postmortem_exists) {
  AuditRow r;
  r.run_id = f.run_id;
  r.drill_id = f.drill_id;
  // Only the drill facts: the drill itself is not parsed for an audit when they were recorded.
  const DrillFacts* d = f.drill_facts ? &*f.drill_facts : nullptr;
  r.service = d != nullptr ? d->service : "unknown";
  r.window_start = f.window_start;
  r.window_end = f.window_end;
  std::optional<SysTime> when = f.window_start ? f.window_start : f.started ? f.started : f.t0;
  r.quarter = when ? QuarterOf(*when) : "unknown";

  // Announcement.
  std::optional<Duration> lead;
  if (d != nullptr) lead = d->announce_lead;
  if (f.announced_at && f.window_start) {
    auto ahead = std::chrono::duration_cast<Duration>(*f.window_start - *f.announced_at);
    if (lead && ahead >= *lead) {
      r.announced = "met";
      r.announced_detail =
          fmt::format("announced {} ahead (lead {})", FormatDuration(ahead), FormatDuration(*lead));
    } else if (!f.announce_override.empty()) {
      r.announced = "overridden";
      r.announced_detail = fmt::format("announced {} ahead; lead overridden: {}",
                                       FormatDuration(ahead), f.announce_override);
    } else {
      r.announced = lead ? "late" : "recorded";
      r.announced_detail =
          fmt::format("announced {} ahead{}", FormatDuration(ahead),
                      lead ? fmt::format(", less than the lead {}", FormatDuration(*lead))
                           : std::string(" (lead unknown)"));
    }
  } else if (!f.announce_override.empty()) {
    r.announced = "overridden";
    r.announced_detail = "lead overridden: " + f.announce_override;
  } else {
    r.announced = "not recorded";
    r.announced_detail = "no announcement recorded";
  }

  // Briefing.
  bool required = d != nullptr && d->briefing_required;
  if (f.briefed_at) {
    r.briefed = "recorded";
    r.briefed_detail = fmt::format("briefed at {} by {}", FormatUtc(*f.briefed_at), f.briefed_by);
  } else {
    r.briefed = "not recorded";
    r.briefed_detail = required ? "not recorded (the drill requires a briefing)" : "not recorded";
  }

  // Faults and the window.
  Duration grace = d != nullptr ? d->grace : kDefaultGrace;
  std::vector<std::string> problems;
  for (const FaultFact& ff : f.faults) {
    // A fault whose state at a crash is unknown counts as injected: its restore is accounted.
    if (!ff.injected_at && !ff.unknown_at_crash) continue;
    ++r.faults_injected;
    if (ff.injected_at && f.window_start && *ff.injected_at < *f.window_start) {
      problems.push_back(fmt::format("{} injected {} before the window start", ff.id,
                                     FormatDuration(*f.window_start - *ff.injected_at)));
    }
    if (!ff.restored) {
      r.faults_not_restored.push_back(ff.id);
      problems.push_back(fmt::format("{} never restored", ff.id));
      continue;
    }
    if (ff.verified) {
      ++r.faults_restored_verified;
    } else {
      ++r.faults_restored_unverified;
    }
    if (f.window_end && ff.restored_at && *ff.restored_at > *f.window_end + grace) {
      problems.push_back(fmt::format("{} restored {} after the window end + grace ({})", ff.id,
                                     FormatDuration(*ff.restored_at - *f.window_end - grace),
                                     FormatDuration(grace)));
    }
  }
  r.all_restored_verified = r.faults_not_restored.empty() && r.faults_restored_unverified == 0;
  if (!f.window_start || !f.window_end) {
    r.window_respected = r.faults_injected == 0 ? "yes" : "unknown";
    r.window_detail = r.faults_injected == 0 ? "nothing injected" : "no window recorded";
  } else if (problems.empty()) {
    r.window_respected = "yes";
    r.window_detail = r.faults_injected == 0 ? "nothing injected"
                                             : "injected after the start, restored by end + grace";
  } else {
    r.window_respected = "no";
    r.window_detail = fmt::format("{}", fmt::join(problems, "; "));
  }

  r.outcome = f.outcome;
  r.recovered_by = RecoveredBy(f.outcome);
  r.ttd_human = f.ttd_human;
  r.ttd_alert = f.ttd_alert;
  r.ttr = CountedTtrOf(f);
  if (d != nullptr) {
    r.detect_objective = d->detect_within;
    r.recover_objective = d->recover_within;
  }
  r.ttd_human_verdict = Judge(r.ttd_human, r.detect_objective);
  r.ttd_alert_verdict = Judge(r.ttd_alert, r.detect_objective);
  r.ttr_verdict = Judge(r.ttr, r.recover_objective);
  r.postmortem = postmortem_exists;
  return r;
}

AuditReport BuildAudit(std::vector<AuditRow> rows, const std::vector<std::string>& services,
                       const AuditPeriod& period) {
  AuditReport report;
  report.period = period;
  report.rows = std::move(rows);
  std::stable_sort(report.rows.begin(), report.rows.end(),
                   [](const AuditRow& a, const AuditRow& b) {
                     if (a.window_start != b.window_start) return a.window_start < b.window_start;
                     return a.run_id < b.run_id;
                   });

  struct Acc {
    int runs = 0, drills = 0, auto_restored = 0;
    std::vector<Duration> ttd_human, ttd_alert, ttr;
  };
  std::map<std::pair<std::string, std::string>, Acc> acc;
  std::set<std::string> drilled;
  for (const AuditRow& r : report.rows) {
    Acc& a = acc[{r.service, r.quarter}];
    ++a.runs;
    if (r.faults_injected == 0) continue;
    ++a.drills;
    drilled.insert(r.service);
    if (r.outcome == RunOutcome::kAutoRestored) ++a.auto_restored;
    if (r.ttd_human) a.ttd_human.push_back(*r.ttd_human);
    if (r.ttd_alert) a.ttd_alert.push_back(*r.ttd_alert);
    if (r.ttr) a.ttr.push_back(*r.ttr);
  }
  for (auto& [key, a] : acc) {
    ServiceQuarter s;
    s.service = key.first;
    s.quarter = key.second;
    s.runs = a.runs;
    s.drills = a.drills;
    s.ttd_human = SpreadOf(std::move(a.ttd_human));
    s.ttd_alert = SpreadOf(std::move(a.ttd_alert));
    s.ttr = SpreadOf(std::move(a.ttr));
    s.auto_restored = a.auto_restored;
    s.auto_restored_share =
        a.drills == 0 ? 0.0 : static_cast<double>(a.auto_restored) / static_cast<double>(a.drills);
    report.services.push_back(std::move(s));
  }
  std::set<std::string> known(services.begin(), services.end());
  for (const std::string& s : known) {
    if (!s.empty() && drilled.count(s) == 0) report.not_drilled.push_back(s);
  }
  return report;
}

}  // namespace firedrill
