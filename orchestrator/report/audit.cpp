#include "orchestrator/report/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <map>
#include <unordered_map>

#include "drills/zoned_time.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

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

std::string Ms(const std::optional<Duration>& d) {
  return d ? std::to_string(d->count()) : std::string();
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i != 0) line += ',';
    line += CsvField(cells[i]);
  }
  return line + "\r\n";
}

std::string Share(double share) { return fmt::format("{:.0f}%", share * 100.0); }

std::string SpreadText(const Spread& s) {
  if (s.count == 0) return "— / —";
  return fmt::format("{} / {}", DurationOrDash(s.median), DurationOrDash(s.p90));
}

std::string FaultsText(const AuditRow& r) {
  std::string s = fmt::format("{} injected, {} restored and verified", r.faults_injected,
                              r.faults_restored_verified);
  if (r.faults_restored_unverified > 0) {
    s += fmt::format(", {} restored without a check", r.faults_restored_unverified);
  }
  if (!r.faults_not_restored.empty()) {
    s += fmt::format("; NOT restored: {}", fmt::join(r.faults_not_restored, ", "));
  }
  return s;
}

std::string AgainstText(const std::optional<Duration>& measured,
                        const std::optional<Duration>& objective, Verdict v) {
  if (!measured) return "not reached";
  if (!objective) return FormatDuration(*measured) + " (no objective)";
  return fmt::format("{} ({} {})", FormatDuration(*measured), VerdictName(v),
                     FormatDuration(*objective));
}

const char* const kDefinitions[][2] = {
    {"announced",
     "met: an `announced` event at least the drill's [announce] lead before the window start; "
     "overridden: an `announce-overridden` event; late: announced, but less than the lead "
     "ahead; not recorded: no announcement event (a drill run by hand with `firedrill run` "
     "is not announced; a scheduled run records when it was scheduled)."},
    {"briefed",
     "recorded: a `briefed` event in the run (the latest `firedrill brief` before it "
     "injected); not recorded: nobody was briefed before it injected."},
    {"window respected",
     "yes: every fault was injected at or after the window start and restored by the window end "
     "plus grace; no: one was injected early, restored late or never restored."},
    {"restored",
     "every injected fault has a fault-restored event; verified means the kind's check confirmed "
     "it gone (a command fault without a check is verified only by its restore command's exit "
     "status)."},
    {"recovered by",
     "team: probes all green again after red (or, without probes, the team's mark); "
     "auto-restored: the team did not recover and firedrill restored at the window's end (no "
     "TTR); aborted: a person, a guard or a signal ended it first."},
    {"TTD / TTR",
     "TTD (human) = first ack-detected - T0; TTD (alert) = first matching alert after T0 - T0; "
     "TTR = probe-confirmed recovery - T0 (the team's mark when the drill has no probes); T0 = "
     "the first fault verified in place. Judged against detect_within / recover_within."},
    {"postmortem", "a file <run id>.md in the state directory's postmortems folder."},
    {"per service and quarter",
     "quarters of the window start in UTC; drills = runs that injected a fault; median = middle "
     "value (mean of the two middle ones for an even count); p90 = nearest rank, the value at "
     "rank ceil(0.9 n); TTR over the runs the team recovered; auto-restored share = "
     "auto-restored drills / drills."},
};

// Writes JSON text exactly as PrettyJson would write the same value, straight into a string:
// an audit of 10,000 runs is about 12 MB of JSON, and building it as a DOM first cost more than
// deriving the runs. Calls must nest properly (Key before each member of an object).
class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  JsonOut& BeginObject() { return Open('{'); }
  JsonOut& BeginArray() { return Open('['); }
  /// Closes the innermost object or array.
  JsonOut& End() {
    Level level = levels_.back();
    levels_.pop_back();
    if (level.members != 0) {
      out_ += '\n';
      Indent();
    }
    out_ += level.close;
    return *this;
  }
  JsonOut& Key(std::string_view key) {
    Member();
    Quoted(key);
    out_ += ": ";
    keyed_ = true;
    return *this;
  }
  JsonOut& String(std::string_view s) {
    Value();
    Quoted(s);
    return *this;
  }
  JsonOut& Int(std::int64_t n) {
    Value();
    out_ += std::to_string(n);
    return *this;
  }
  JsonOut& Double(double d) {
    Value();
    out_ += json::serialize(json::value(d));  // boost's own number format, as PrettyJson has it
    return *this;
  }
  JsonOut& Bool(bool b) {
    Value();
    out_ += b ? "true" : "false";
    return *this;
  }
  JsonOut& Null() {
    Value();
    out_ += "null";
    return *this;
  }

 private:
  struct Level {
    char close;
    int members = 0;
  };

  void Indent() { out_.append(levels_.size() * 2, ' '); }
  // Starts a member of the innermost object or array: separator, new line, indentation.
  void Member() {
    if (levels_.empty()) return;
    out_ += levels_.back().members++ == 0 ? "\n" : ",\n";
    Indent();
  }
  // A value: an object's member has had its key written; an array's element starts here.
  void Value() {
    if (!keyed_) Member();
    keyed_ = false;
  }
  JsonOut& Open(char open) {
    Value();
    out_ += open;
    levels_.push_back({open == '{' ? '}' : ']'});
    return *this;
  }
  void Quoted(std::string_view s) { AppendJsonString(out_, s); }

  std::string& out_;
  std::vector<Level> levels_;
  bool keyed_ = false;
};

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

std::string AuditMarkdown(const AuditReport& report) {
  std::string md = "# Drill audit report\n\n";
  std::set<std::string> services;
  for (const AuditRow& r : report.rows) services.insert(r.service);
  std::string from = report.period.from ? "on or after " + FormatUtc(*report.period.from) : "";
  std::string to = report.period.to ? "before " + FormatUtc(*report.period.to) : "";
  std::string period = from.empty() && to.empty()
                           ? "every run in the records"
                           : fmt::format("runs whose window starts {}{}{} (UTC)", from,
                                         !from.empty() && !to.empty() ? " and " : "", to);
  md += fmt::format(
      "Period: {}. {} run(s) of {} service(s). Built from the hash-chained event log; check it "
      "with `firedrill records verify`.\n",
      period, report.rows.size(), services.size());
  md += "\n## Runs\n\n";
  if (report.rows.empty()) {
    md += "_No runs in the period._\n";
  } else {
    md +=
        "| Run | Service | Window start (UTC) | Announced | Briefed | Window respected | Faults | "
        "Recovered by | TTD (human) | TTD (alert) | TTR | Postmortem |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const AuditRow& r : report.rows) {
      md += fmt::format(
          "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.run_id,
          MarkdownCell(r.service), r.window_start ? FormatUtc(*r.window_start) : "—",
          MarkdownCell(r.announced == "not recorded" ? r.announced_detail
                                                     : r.announced + ": " + r.announced_detail),
          MarkdownCell(r.briefed_detail),
          MarkdownCell(r.window_respected +
                       (r.window_respected == "no" ? ": " + r.window_detail : "")),
          MarkdownCell(FaultsText(r)), MarkdownCell(r.recovered_by),
          AgainstText(r.ttd_human, r.detect_objective, r.ttd_human_verdict),
          AgainstText(r.ttd_alert, r.detect_objective, r.ttd_alert_verdict),
          r.recovered_by == "auto-restored"
              ? "none (auto-restored at window end)"
              : AgainstText(r.ttr, r.recover_objective, r.ttr_verdict),
          r.postmortem ? "yes" : "no");
    }
  }
  md += "\n## Per service and quarter\n\n";
  if (report.services.empty()) {
    md += "_No runs in the period._\n";
  } else {
    md +=
        "| Service | Quarter | Runs | Drills | TTD (human) median / p90 | TTD (alert) median / "
        "p90 | TTR median / p90 | Auto-restored |\n|---|---|---|---|---|---|---|---|\n";
    for (const ServiceQuarter& s : report.services) {
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} of {} ({}) |\n",
                        MarkdownCell(s.service), s.quarter, s.runs, s.drills,
                        SpreadText(s.ttd_human), SpreadText(s.ttd_alert), SpreadText(s.ttr),
                        s.auto_restored, s.drills, Share(s.auto_restored_share));
    }
  }
  md += "\n## Services not drilled in the period\n\n";
  if (report.not_drilled.empty()) {
    md += "_Every service in the drills table was drilled._\n";
  } else {
    for (const std::string& s : report.not_drilled) md += "- " + s + "\n";
  }
  md += "\n## Definitions\n\n";
  for (const auto& d : kDefinitions) md += fmt::format("- **{}**: {}\n", d[0], d[1]);
  return md;
}

std::string AuditCsv(const AuditReport& report, const std::string& table) {
  std::string out;
  if (table == "services") {
    out += CsvLine({"service", "quarter", "runs", "drills", "ttd_human_median_ms",
                    "ttd_human_p90_ms", "ttd_alert_median_ms", "ttd_alert_p90_ms", "ttr_median_ms",
                    "ttr_p90_ms", "auto_restored", "auto_restored_share"});
    for (const ServiceQuarter& s : report.services) {
      out +=
          CsvLine({s.service, s.quarter, std::to_string(s.runs), std::to_string(s.drills),
                   Ms(s.ttd_human.median), Ms(s.ttd_human.p90), Ms(s.ttd_alert.median),
                   Ms(s.ttd_alert.p90), Ms(s.ttr.median), Ms(s.ttr.p90),
                   std::to_string(s.auto_restored), fmt::format("{:.4f}", s.auto_restored_share)});
    }
    return out;
  }
  if (table == "not-drilled") {
    out += CsvLine({"service"});
    for (const std::string& s : report.not_drilled) out += CsvLine({s});
    return out;
  }
  out += CsvLine({"run_id",
                  "drill_id",
                  "service",
                  "quarter",
                  "window_start",
                  "window_end",
                  "announced",
                  "announced_detail",
                  "briefed",
                  "briefed_detail",
                  "window_respected",
                  "window_detail",
                  "faults_injected",
                  "faults_restored_verified",
                  "faults_restored_unverified",
                  "faults_not_restored",
                  "all_restored_verified",
                  "recovered_by",
                  "ttd_human_ms",
                  "ttd_alert_ms",
                  "detect_objective_ms",
                  "ttd_human_verdict",
                  "ttd_alert_verdict",
                  "ttr_ms",
                  "recover_objective_ms",
                  "ttr_verdict",
                  "postmortem"});
  for (const AuditRow& r : report.rows) {
    out += CsvLine({r.run_id,
                    r.drill_id,
                    r.service,
                    r.quarter,
                    r.window_start ? FormatUtc(*r.window_start) : "",
                    r.window_end ? FormatUtc(*r.window_end) : "",
                    r.announced,
                    r.announced_detail,
                    r.briefed,
                    r.briefed_detail,
                    r.window_respected,
                    r.window_detail,
                    std::to_string(r.faults_injected),
                    std::to_string(r.faults_restored_verified),
                    std::to_string(r.faults_restored_unverified),
                    fmt::format("{}", fmt::join(r.faults_not_restored, " ")),
                    r.all_restored_verified ? "yes" : "no",
                    r.recovered_by,
                    Ms(r.ttd_human),
                    Ms(r.ttd_alert),
                    Ms(r.detect_objective),
                    VerdictName(r.ttd_human_verdict),
                    VerdictName(r.ttd_alert_verdict),
                    Ms(r.ttr),
                    Ms(r.recover_objective),
                    VerdictName(r.ttr_verdict),
                    r.postmortem ? "yes" : "no"});
  }
  return out;
}

std::string AuditJson(const AuditReport& report) {
  std::string text;
  text.reserve(4096 + report.rows.size() * 1280 + report.services.size() * 640);
  JsonOut j(text);
  auto utc = [&](const char* key, const std::optional<SysTime>& t) {
    j.Key(key);
    if (t) {
      j.String(FormatUtc(*t));
    } else {
      j.Null();
    }
  };
  auto ms = [&](const char* key, const std::optional<Duration>& d) {
    j.Key(key);
    if (d) {
      j.Int(d->count());
    } else {
      j.Null();
    }
  };
  auto status = [&](const char* key, const std::string& value, const std::string& detail) {
    j.Key(key).BeginObject();
    j.Key("status").String(value);
    j.Key("detail").String(detail);
    j.End();
  };
  auto against = [&](const char* key, const std::optional<Duration>& measured,
                     const std::optional<Duration>& objective, Verdict v) {
    j.Key(key).BeginObject();
    ms("measured_ms", measured);
    ms("objective_ms", objective);
    j.Key("verdict").String(VerdictName(v));
    j.End();
  };
  auto spread = [&](const char* key, const Spread& s) {
    j.Key(key).BeginObject();
    j.Key("count").Int(static_cast<std::int64_t>(s.count));
    ms("median_ms", s.median);
    ms("p90_ms", s.p90);
    j.End();
  };

  j.BeginObject();
  j.Key("format").String("firedrill-audit/1");
  j.Key("period").BeginObject();
  utc("from", report.period.from);
  utc("to", report.period.to);
  j.End();
  j.Key("runs").BeginArray();
  for (const AuditRow& r : report.rows) {
    j.BeginObject();
    j.Key("run").String(r.run_id);
    j.Key("drill").String(r.drill_id);
    j.Key("service").String(r.service);
    j.Key("quarter").String(r.quarter);
    utc("window_start", r.window_start);
    utc("window_end", r.window_end);
    status("announced", r.announced, r.announced_detail);
    status("briefed", r.briefed, r.briefed_detail);
    status("window_respected", r.window_respected, r.window_detail);
    j.Key("faults").BeginObject();
    j.Key("injected").Int(r.faults_injected);
    j.Key("restored_verified").Int(r.faults_restored_verified);
    j.Key("restored_unverified").Int(r.faults_restored_unverified);
    j.Key("not_restored").BeginArray();
    for (const std::string& f : r.faults_not_restored) j.String(f);
    j.End();
    j.Key("all_restored_verified").Bool(r.all_restored_verified);
    j.End();
    j.Key("outcome").String(OutcomeName(r.outcome));
    j.Key("recovered_by").String(r.recovered_by);
    against("ttd_human", r.ttd_human, r.detect_objective, r.ttd_human_verdict);
    against("ttd_alert", r.ttd_alert, r.detect_objective, r.ttd_alert_verdict);
    against("ttr", r.ttr, r.recover_objective, r.ttr_verdict);
    j.Key("postmortem").Bool(r.postmortem);
    j.End();
  }
  j.End();
  j.Key("services").BeginArray();
  for (const ServiceQuarter& s : report.services) {
    j.BeginObject();
    j.Key("service").String(s.service);
    j.Key("quarter").String(s.quarter);
    j.Key("runs").Int(s.runs);
    j.Key("drills").Int(s.drills);
    spread("ttd_human", s.ttd_human);
    spread("ttd_alert", s.ttd_alert);
    spread("ttr", s.ttr);
    j.Key("auto_restored").Int(s.auto_restored);
    j.Key("auto_restored_share").Double(s.auto_restored_share);
    j.End();
  }
  j.End();
  j.Key("not_drilled").BeginArray();
  for (const std::string& s : report.not_drilled) j.String(s);
  j.End();
  j.Key("definitions").BeginObject();
  for (const auto& d : kDefinitions) j.Key(d[0]).String(d[1]);
  j.End();
  j.End();
  text += '\n';
  return text;
}

}  // namespace firedrill
