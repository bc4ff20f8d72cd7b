// The audit page: its query, the filter of a report by service, and the HTML.
#include "orchestrator/console/audit_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

constexpr std::size_t kMaxName = 200;    // bytes of a service, drill or run id shown
constexpr std::size_t kMaxDetail = 300;  // bytes of a detail shown
constexpr std::size_t kMaxLinkedId = 512;
constexpr std::size_t kMaxDatalist = 200;  // services offered in the filter's suggestions

std::string Text(std::string_view s, std::size_t max = kMaxName) { return Escape(Shorten(s, max)); }

std::string Td(std::string_view s, std::size_t max = kMaxName) {
  return "<td>" + Text(s, max) + "</td>";
}

// A cell whose words carry the verdict and whose class only colours it.
std::string Td(std::string_view css, std::string_view s, std::size_t max) {
  if (css.empty()) return Td(s, max);
  return fmt::format("<td class=\"{}\">{}</td>", css, Text(s, max));
}

// A UTC day "YYYY-MM-DD" in 1970..9999 as its midnight.
std::optional<SysTime> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d || *y < 1970) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*m)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return SysTime(std::chrono::sys_days(ymd));
}

// "2027-04-01 08:00" (UTC).
std::string Minute(SysTime t) {
  const std::string utc = FormatUtc(t);
  return utc.size() >= 16 ? utc.substr(0, 10) + " " + utc.substr(11, 5) : utc;
}

std::string RunLink(const std::string& run_id) {
  if (run_id.size() > kMaxLinkedId) return Text(run_id);
  return "<a href=\"/console/runs/" + Escape(FormEncode(run_id)) + "\">" + Text(run_id) + "</a>";
}

// "/console/audit.csv?table=runs&from=..." for the same filters.
std::string ExportHref(std::string_view path, std::string_view table, const std::string& filters) {
  std::string href(path);
  std::string query = table.empty() ? std::string() : "table=" + std::string(table);
  if (!filters.empty()) query += (query.empty() ? "" : "&") + filters;
  if (!query.empty()) href += "?" + query;
  return Escape(href);
}

std::string_view AnnouncedCss(const std::string& s) {
  if (s == "met") return "ok";
  if (s == "late" || s == "not recorded") return "bad";
  return "";
}

std::string AnnouncedCell(const AuditRow& r) {
  std::string text = r.announced_detail.empty() || r.announced == "not recorded"
                         ? r.announced
                         : r.announced + ": " + Shorten(r.announced_detail, kMaxDetail);
  return Td(AnnouncedCss(r.announced), text, kMaxDetail + 100);
}

std::string BriefedCell(const AuditRow& r) {
  const bool yes = r.briefed == "recorded";
  std::string text = yes && !r.briefed_detail.empty()
                         ? r.briefed + ": " + Shorten(r.briefed_detail, kMaxDetail)
                         : r.briefed;
  return Td(yes ? "ok" : "", text, kMaxDetail + 100);
}

std::string WindowCell(const AuditRow& r) {
  if (r.window_respected == "yes") return Td("ok", "yes", 10);
  if (r.window_respected == "no") {
    return Td("bad", "no: " + Shorten(r.window_detail, kMaxDetail), kMaxDetail + 100);
  }
  return Td(r.window_respected, 40);
}

std::string RestoredCell(const AuditRow& r) {
  if (r.faults_injected == 0) return Td("nothing injected");
  if (!r.faults_not_restored.empty()) {
    std::string names;
    for (const std::string& f : r.faults_not_restored) {
      names += (names.empty() ? "" : ", ") + Shorten(f, 100);
      if (names.size() > kMaxDetail) break;
    }
    return Td("bad", fmt::format("NO: not restored: {}", names), kMaxDetail + 100);
  }
  if (r.all_restored_verified) {
    return Td("ok",
              fmt::format("yes: {} of {} restored and verified", r.faults_restored_verified,
                          r.faults_injected),
              200);
  }
  return Td("verdict-partial",
            fmt::format("restored; {} verified, {} without a check", r.faults_restored_verified,
                        r.faults_restored_unverified),
            200);
}

// "3m: met (objective 5m)", with the verdict's class.
std::string AgainstCell(const std::optional<Duration>& measured,
                        const std::optional<Duration>& objective, Verdict v) {
  std::string objective_text =
      objective ? "objective " + FormatDuration(*objective) : std::string("no objective");
  switch (v) {
    case Verdict::kMet:
      return Td("verdict-met",
                fmt::format("{}: met ({})", FormatDuration(measured.value_or(Duration{0})),
                            objective_text),
                200);
    case Verdict::kMissed:
      return Td("verdict-missed",
                fmt::format("{}: missed ({})", FormatDuration(measured.value_or(Duration{0})),
                            objective_text),
                200);
    case Verdict::kNoObjective:
      return Td(FormatDuration(measured.value_or(Duration{0})) + " (no objective)");
    case Verdict::kNotReached:
      return objective ? Td("verdict-missed", "not reached: missed (" + objective_text + ")", 200)
                       : Td("not reached");
  }
  return Td("");
}

std::string SpreadCell(const Spread& s) {
  if (s.count == 0 || !s.median || !s.p90) return "<td>—</td>";
  return fmt::format("<td>{} / {} (n={})</td>", FormatDuration(*s.median), FormatDuration(*s.p90),
                     s.count);
}

std::string PeriodText(const AuditQuery& q) {
  if (q.from_text.empty() && q.to_text.empty()) return "every run in the records";
  std::string from = q.from_text.empty() ? "" : "from " + q.from_text;
  std::string to = q.to_text.empty() ? "" : "to " + q.to_text + " included";
  return fmt::format("runs whose window starts {}{}{} (UTC days)", from,
                     !from.empty() && !to.empty() ? " " : "", to);
}

constexpr char kDefinitions[] =
    "<section id=\"definitions\"><h2>Definitions</h2><dl>"
    "<dt>Announced</dt><dd>met: announced at least the drill's lead before the window start; "
    "overridden: the lead was overridden; late: announced, but less than the lead ahead; not "
    "recorded: no announcement event.</dd>"
    "<dt>Briefed</dt><dd>recorded: a briefing was recorded in the run before it injected.</dd>"
    "<dt>Window respected</dt><dd>yes: every fault was injected at or after the window start "
    "and restored by the window end plus grace.</dd>"
    "<dt>Restored and verified</dt><dd>every injected fault was restored, and the fault kind's "
    "check confirmed it gone (a command fault without a check is verified only by its restore "
    "command's exit status).</dd>"
    "<dt>TTD and TTR</dt><dd>TTD (human) = first ack of detection − T0; TTD (alert) = first "
    "matching alert after T0 − T0; TTR = probe-confirmed recovery − T0 (the team's mark when the "
    "drill has no probes); T0 = the first fault verified in place; judged against detect_within "
    "and recover_within.</dd>"
    "<dt>Per service and quarter</dt><dd>quarters of the window start in UTC; drills = runs "
    "that injected a fault; median = the middle value (mean of the two middle ones for an even "
    "count); p90 = nearest rank, the value at rank ceil(0.9 n); TTR over the runs the team "
    "recovered; auto-restored share = auto-restored drills / drills.</dd>"
    "<dt>Postmortem</dt><dd>a file named after the run in the state directory's postmortems "
    "folder.</dd></dl></section>\n";

}  // namespace

Expected<AuditQuery> ParseAuditQuery(std::string_view query) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  auto fields = ParseFormFields(query);
  if (!fields) return Error(ErrorCode::kInvalidInput, "the query: " + fields.error().message);
  AuditQuery q;
  auto day = [&](const char* name, std::optional<SysTime>& at,
                 std::string& text) -> std::optional<Error> {
    auto it = fields->find(name);
    if (it == fields->end() || it->second.empty()) return std::nullopt;
    at = ParseDay(it->second);
    if (!at) {
      return Error(ErrorCode::kInvalidInput,
                   fmt::format("{}: \"{}\" is not a day written YYYY-MM-DD between 1970-01-01 and "
                               "9999-12-31",
                               name, Shorten(it->second, 40)));
    }
    text = it->second;
    return std::nullopt;
  };
  if (auto e = day("from", q.from, q.from_text)) return *e;
  if (auto e = day("to", q.to, q.to_text)) return *e;
  if (q.from && q.to && *q.to < *q.from) {
    return Error(ErrorCode::kInvalidInput,
                 fmt::format("to: \"{}\" is before from \"{}\"", q.to_text, q.from_text));
  }
  if (auto it = fields->find("service"); it != fields->end()) {
    if (it->second.size() > kMaxServiceFilter) {
      return Error(ErrorCode::kInvalidInput,
                   fmt::format("service: \"{}\" is longer than {} bytes", Shorten(it->second, 40),
                               kMaxServiceFilter));
    }
    q.service = it->second;
  }
  return q;
}

AuditPeriod AuditPeriodOf(const AuditQuery& query) {
  AuditPeriod p;
  p.from = query.from;
  if (query.to) p.to = *query.to + std::chrono::days(1);
  return p;
}

AuditReport FilterAudit(AuditReport report, const std::string& service) {
  if (service.empty()) return report;
  std::erase_if(report.rows, [&](const AuditRow& r) { return r.service != service; });
  std::erase_if(report.services, [&](const ServiceQuarter& s) { return s.service != service; });
  std::erase_if(report.not_drilled, [&](const std::string& s) { return s != service; });
  return report;
}

std::string AuditQueryString(const AuditQuery& query) {
  std::string q;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "" : "&") + std::string(name) + "=" + FormEncode(value);
  };
  add("from", query.from_text);
  add("to", query.to_text);
  add("service", query.service);
  return q;
}

std::string AuditHtml(const ConsoleViewer& /*viewer*/, const AuditReport& report,
                      const AuditQuery& query, std::string_view verification, bool verified) {
  const std::string filters = AuditQueryString(query);
  std::string h = "<h1>Audit</h1>\n";

  // The filters: a plain GET form, so that a filtered page is a link one can share.
  std::set<std::string> services;
  for (const ServiceQuarter& s : report.services) services.insert(s.service);
  for (const std::string& s : report.not_drilled) services.insert(s);
  h += fmt::format(
      "<form class=\"filters\" method=\"get\" action=\"/console/audit\" role=\"search\" "
      "aria-label=\"Audit filters\">"
      "<label>From (UTC day) <input type=\"date\" name=\"from\" value=\"{}\" "
      "min=\"1970-01-01\" max=\"9999-12-31\"></label>"
      "<label>To (UTC day, included) <input type=\"date\" name=\"to\" value=\"{}\" "
      "min=\"1970-01-01\" max=\"9999-12-31\"></label>"
      "<label>Service <input type=\"text\" name=\"service\" value=\"{}\" maxlength=\"{}\" "
      "list=\"audit-services\" placeholder=\"every service\"></label><datalist "
      "id=\"audit-services\">",
      Escape(query.from_text), Escape(query.to_text), Text(query.service, kMaxServiceFilter),
      kMaxServiceFilter);
  std::size_t offered = 0;
  for (const std::string& s : services) {
    if (s.size() > kMaxServiceFilter || ++offered > kMaxDatalist) continue;
    h += "<option value=\"" + Escape(s) + "\">";
  }
  h += "</datalist><button class=\"primary\" type=\"submit\">Show</button> "
       "<a href=\"/console/audit\">Clear the filters</a></form>\n";

  // The period, what it holds, and whether the records behind it verify.
  int drills = 0, announced = 0, briefed = 0, window = 0, restored = 0, ttr_missed = 0,
      postmortems = 0;
  std::set<std::string> run_services;
  for (const AuditRow& r : report.rows) {
    run_services.insert(r.service);
    announced += r.announced == "met" || r.announced == "overridden";
    briefed += r.briefed == "recorded";
    window += r.window_respected == "yes";
    postmortems += r.postmortem;
    if (r.faults_injected == 0) continue;
    ++drills;
    restored += r.all_restored_verified;
    ttr_missed += r.ttr_verdict == Verdict::kMissed ||
                  (r.ttr_verdict == Verdict::kNotReached && r.recover_objective.has_value());
  }
  h += "<p>Period: " + Escape(PeriodText(query)) +
       (query.service.empty() ? std::string()
                              : "; service " + Text(query.service, kMaxServiceFilter)) +
       fmt::format(". {} run(s) of {} service(s), {} of them drills (a fault injected).</p>\n",
                   report.rows.size(), run_services.size(), drills);
  h += fmt::format(
      "<ul class=\"summary\"><li>Announced (met or overridden): {} of {} runs</li>"
      "<li>Briefed: {} of {} runs</li><li>Window respected: {} of {} runs</li>"
      "<li>Every fault restored and verified: {} of {} drills</li>"
      "<li>TTR missed or not reached against an objective: {} of {} drills</li>"
      "<li>Postmortem written: {} of {} runs</li></ul>\n",
      announced, report.rows.size(), briefed, report.rows.size(), window, report.rows.size(),
      restored, drills, ttr_missed, drills, postmortems, report.rows.size());
  h +=
      fmt::format("<p class=\"{}\" id=\"verification\"><strong>{}</strong> {}</p>\n",
                  verified ? "ok" : "bad", verified ? "Records verified:" : "Records NOT verified:",
                  Escape(Shorten(verification, 2000)));

  h += "<p id=\"exports\">Download this report (same filters): <a href=\"" +
       ExportHref("/console/audit.csv", "runs", filters) + "\">runs (CSV)</a> · <a href=\"" +
       ExportHref("/console/audit.csv", "services", filters) +
       "\">per service and quarter (CSV)</a> · <a href=\"" +
       ExportHref("/console/audit.csv", "not-drilled", filters) +
       "\">not drilled (CSV)</a> · <a href=\"" + ExportHref("/console/audit.json", "", filters) +
       "\">everything (JSON)</a> · <a href=\"" + ExportHref("/console/audit.md", "", filters) +
       "\">everything (Markdown)</a></p>\n";

  // The runs: the latest kMaxAuditRowsShown, in the report's order.
  h += "<section id=\"runs\"><h2>Runs</h2>\n";
  const std::size_t skip =
      report.rows.size() > kMaxAuditRowsShown ? report.rows.size() - kMaxAuditRowsShown : 0;
  if (report.rows.empty()) {
    h += "<p>No runs in the period.</p>";
  } else {
    if (skip > 0) {
      h += fmt::format(
          "<p class=\"notice\">The {} latest runs of {} are shown; narrow the period or download "
          "the runs (CSV) for all of them.</p>",
          kMaxAuditRowsShown, report.rows.size());
    }
    h += "<div class=\"scroll\"><table class=\"wide\"><tr><th>Run (drill)</th><th>Service</th>"
         "<th>Window start (UTC)</th><th>Announced</th><th>Briefed</th><th>Window respected</th>"
         "<th>Restored and verified</th><th>Outcome</th><th>TTD (human)</th><th>TTD (alert)</th>"
         "<th>TTR</th><th>Postmortem</th></tr>\n";
    for (std::size_t i = skip; i < report.rows.size(); ++i) {
      const AuditRow& r = report.rows[i];
      h += "<tr><td>" + RunLink(r.run_id) + "<br><span class=\"muted\">" + Text(r.drill_id) +
           "</span></td>" + Td(r.service) + Td(r.window_start ? Minute(*r.window_start) : "—") +
           AnnouncedCell(r) + BriefedCell(r) + WindowCell(r) + RestoredCell(r) +
           Td(OutcomeName(r.outcome)) +
           AgainstCell(r.ttd_human, r.detect_objective, r.ttd_human_verdict) +
           AgainstCell(r.ttd_alert, r.detect_objective, r.ttd_alert_verdict) +
           (r.outcome == RunOutcome::kAutoRestored && !r.ttr
                ? Td("none (auto-restored at window end)")
                : AgainstCell(r.ttr, r.recover_objective, r.ttr_verdict)) +
           (r.postmortem ? Td("ok", "yes", 10) : Td("no")) + "</tr>\n";
    }
    h += "</table></div>";
  }
  h += "</section>\n";

  h += "<section id=\"per-service\"><h2>Per service and quarter</h2>\n";
  if (report.services.empty()) {
    h += "<p>No runs in the period.</p>";
  } else {
    h += "<div class=\"scroll\"><table><tr><th>Service</th><th>Quarter</th><th>Runs</th>"
         "<th>Drills</th><th>TTD (human) median / p90</th><th>TTD (alert) median / p90</th>"
         "<th>TTR median / p90</th><th>Auto-restored</th></tr>\n";
    AuditQuery same = query;
    for (const ServiceQuarter& s : report.services) {
      std::string name = Text(s.service);
      if (s.service.size() <= kMaxServiceFilter) {
        same.service = s.service;
        name = "<a href=\"" + ExportHref("/console/audit", "", AuditQueryString(same)) + "\">" +
               name + "</a>";
      }
      h += "<tr><td>" + name + "</td>" + Td(s.quarter, 20) +
           fmt::format("<td>{}</td><td>{}</td>", s.runs, s.drills) + SpreadCell(s.ttd_human) +
           SpreadCell(s.ttd_alert) + SpreadCell(s.ttr) +
           fmt::format("<td>{} of {} ({:.0f}%)</td></tr>\n", s.auto_restored, s.drills,
                       s.auto_restored_share * 100.0);
    }
    h += "</table></div>";
  }
  h += "</section>\n";

  h += "<section id=\"not-drilled\"><h2>Services not drilled in the period</h2>\n";
  if (report.not_drilled.empty()) {
    h += "<p class=\"ok\">Every service in the drills table was drilled.</p>";
  } else {
    h += fmt::format("<p class=\"bad\">{} service(s) of the drills table had no drill:</p><ul>",
                     report.not_drilled.size());
    std::size_t listed = 0;
    for (const std::string& s : report.not_drilled) {
      if (++listed > kMaxAuditRowsShown) break;
      h += "<li>" + Text(s) + "</li>";
    }
    h += "</ul>";
    if (listed > kMaxAuditRowsShown) {
      h += fmt::format(
          "<p class=\"notice\">The first {} are listed; the not-drilled CSV has all "
          "of them.</p>",
          kMaxAuditRowsShown);
    }
  }
  h += "</section>\n";
  h += kDefinitions;
  return h;
}

}  // namespace firedrill
