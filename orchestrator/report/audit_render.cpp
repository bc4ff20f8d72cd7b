// The audit report as Markdown and CSV, and the definitions of its terms.
#include "orchestrator/report/audit_render.h"

#include <fmt/format.h>

#include <set>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/store/record_export.h"

namespace firedrill {
namespace {

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

}  // namespace

std::span<const char* const [2]> AuditDefinitions() { return kDefinitions; }

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

}  // namespace firedrill
