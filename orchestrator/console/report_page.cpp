#include "orchestrator/console/report_page.h"

#include <fmt/format.h>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/console/markdown_view.h"
#include "orchestrator/console/timeline_svg.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/metrics.h"

namespace firedrill {
namespace {

// The style of the report: readable on a phone (360 px), printable (no backgrounds needed to
// read it), and state said in words beside any colour.
constexpr char kStyle[] = R"(
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:12px;color:#111;overflow-wrap:break-word}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;vertical-align:top;padding:3px 6px;border-bottom:1px solid #e4e4e4}
table.facts td{overflow-wrap:anywhere}
table.facts{table-layout:fixed}table.facts th{width:7.5em}h1{overflow-wrap:anywhere}
td.payload,pre{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap;overflow-wrap:anywhere}
.verdict-met{color:#0a5d1a}.verdict-missed{color:#a40000;font-weight:bold}
.ok{color:#0a5d1a}.bad{color:#a40000;font-weight:bold}
.scroll{overflow-x:auto}
svg.timeline{max-width:100%;height:auto;font:12px system-ui,sans-serif}
svg .axis line,svg .mark line{stroke:#555;stroke-width:1}
svg .band.window rect{fill:#dde8f5;stroke:#7a9cc6}
svg .band.red rect{fill:#f4c7c3;stroke:#a40000}
svg .mark circle{fill:#fff;stroke:#111;stroke-width:2}
svg .mark.recover circle,svg .mark.restore circle{fill:#0a5d1a}
svg .mark.inject circle,svg .mark.guard circle{fill:#a40000}
@media print{body{max-width:none}a{color:inherit}h2{break-after:avoid}tr{break-inside:avoid}}
)";

std::string Td(std::string_view text, std::size_t max = 2000) {
  return "<td>" + Escape(Shorten(text, max)) + "</td>";
}

std::string VerdictCell(const Metric& m) {
  switch (m.verdict) {
    case Verdict::kMet:
      return R"(<td class="verdict-met">met</td>)";
    case Verdict::kMissed:
      return R"(<td class="verdict-missed">missed</td>)";
    case Verdict::kNoObjective:
      return "<td>no objective</td>";
    case Verdict::kNotReached:
      return m.objective ? R"(<td class="verdict-missed">missed (not reached)</td>)"
                         : "<td>not reached</td>";
  }
  return "<td></td>";
}

}  // namespace

std::string RunReportSections(const RunReport& r) {
  const RunFacts& f = r.facts;
  const std::string zone = f.drill_facts ? f.drill_facts->zone : std::string("UTC");
  std::string title = r.drill ? r.drill->title : std::string();
  std::string h;
  h += fmt::format("<header><h1>Drill {}{}</h1>\n", Escape(Shorten(f.drill_id, 200)),
                   title.empty() ? "" : ": " + Escape(Shorten(title, 500)));
  h += "<table class=\"facts\">";
  if (r.drill) {
    h += "<tr><th>Service</th>" + Td(r.drill->service) + "</tr>";
    h += "<tr><th>Owner</th>" + Td(r.drill->owner) + "</tr>";
    h += "<tr><th>Drill file</th>" +
         Td(r.drill->source_file + " (sha256 " + r.drill->source_sha256 + ")") + "</tr>";
  }
  h += "<tr><th>Run</th>" + Td(f.run_id) + "</tr>";
  if (f.window_start && f.window_end) {
    h += "<tr><th>Window</th>" +
         Td(FormatUtc(*f.window_start) + " to " + FormatUtc(*f.window_end) + " (" +
            FormatInZone(*f.window_start, zone) + ")") +
         "</tr>";
  }
  h += "<tr><th>Outcome</th>" + Td(OutcomeName(f.outcome) + ": " + f.outcome_text) + "</tr>";
  h += "<tr><th>Recovered by</th>" + Td(RecoveredByText(f.outcome)) + "</tr>";
  h += "<tr><th>T0</th>" +
       Td(f.t0 ? FormatUtc(*f.t0) + " (" + FormatInZone(*f.t0, zone) + ")"
               : std::string("no fault was injected")) +
       "</tr></table></header>\n";

  h += "<section id=\"metrics\"><h2>Detection and recovery</h2><p>" + Escape(kT0Definition) +
       "</p><div class=\"scroll\"><table><tr><th>Metric</th><th>Measured</th><th>Objective</th>"
       "<th>Verdict</th></tr>";
  for (const Metric& m : RunMetrics(f)) {
    h += "<tr><th title=\"" + Escape(m.definition) + "\">" + Escape(m.name) + "</th>" +
         Td(m.measured ? FormatDuration(*m.measured)
                       : (m.note.empty() ? std::string("not reached") : m.note)) +
         Td(m.objective ? FormatDuration(*m.objective) : std::string("none")) + VerdictCell(m) +
         "</tr>";
  }
  h += "</table></div></section>\n";

  h += "<section id=\"timeline\"><h2>Timeline</h2><div class=\"scroll\">" + TimelineSvg(f) +
       "</div>\n<div class=\"scroll\"><table><tr><th>Time (UTC)</th><th>Since T0</th>"
       "<th>What</th><th>Who</th></tr>";
  for (const TimelineEntry& e : f.timeline) {
    h += "<tr>" + Td(FormatUtc(e.ts)) + Td(f.t0 ? SinceT0(e.ts - *f.t0) : std::string()) +
         Td(e.text) + Td(e.actor) + "</tr>";
  }
  h += "</table></div></section>\n";

  h += "<section id=\"faults\"><h2>Faults</h2><div class=\"scroll\"><table><tr><th>Fault</th>"
       "<th>Kind</th><th>Target</th><th>In place</th><th>Restored</th></tr>";
  for (const FaultFact& x : f.faults) {
    std::string restored =
        x.restored ? (x.verified ? "restored and verified" : "restored (not verified)") +
                         (x.restored_at ? " at " + FormatUtc(*x.restored_at) : std::string()) +
                         (x.restored_by.empty() ? "" : " by " + x.restored_by)
                   : std::string("NOT restored");
    if (x.unknown_at_crash) restored += "; state unknown at the crash";
    h += "<tr>" + Td(x.id) + Td(x.kind) + Td(x.target) +
         Td(x.injected_at ? FormatUtc(*x.injected_at) : std::string("not injected")) +
         (x.restored ? Td(restored) : "<td class=\"bad\">" + Escape(restored) + "</td>") + "</tr>";
  }
  h += "</table></div></section>\n";

  if (!f.participants.empty()) {
    h += "<section id=\"people\"><h2>Participants</h2><table><tr><th>Name</th><th>Role</th>"
         "<th>Did</th></tr>";
    for (const ParticipantFact& p : f.participants) {
      std::string did;
      for (const std::string& a : p.actions) did += (did.empty() ? "" : "; ") + a;
      h += "<tr>" + Td(p.name) + Td(p.role) + Td(did) + "</tr>";
    }
    h += "</table></section>\n";
  }

  h += fmt::format(
      "<section id=\"record\"><h2>The record</h2><p class=\"{}\">{}</p>"
      "<div class=\"scroll\"><table><tr><th>#</th><th>Time (UTC)</th><th>Kind</th><th>Actor</th>"
      "<th>Payload</th></tr>",
      r.verified ? "ok" : "bad", Escape(r.verification));
  for (const Event& e : r.events) {
    h += "<tr>" + Td(std::to_string(e.seq)) + Td(FormatUtc(e.ts)) + Td(e.kind) + Td(e.actor) +
         "<td class=\"payload\">" + Escape(Shorten(e.payload_json, 600)) + "</td></tr>";
  }
  h += "</table></div></section>\n";

  // Rendered from the Markdown firedrill writes (every text in it escaped); a megabyte of
  // postmortem is cut first, so that the page stays one that a browser opens at once.
  h += "<section id=\"postmortem\" class=\"postmortem\"><h2>Postmortem draft</h2>" +
       MarkdownHtml(Shorten(r.postmortem, 200000)) + "</section>\n";
  return h;
}

std::string RunReportHtml(const RunReport& r) {
  const RunFacts& f = r.facts;
  std::string title = r.drill ? r.drill->title : std::string();
  std::string h = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">"
      "<title>{}</title><style>{}</style></head><body>\n",
      Escape(Shorten("Drill " + f.drill_id + (title.empty() ? "" : ": " + title), 200)), kStyle);
  h += RunReportSections(r);
  h += fmt::format("<footer><p>Made by firedrill {} at {}.</p></footer>\n</body></html>\n",
                   FIREDRILL_VERSION, FormatUtc(r.generated));
  return h;
}

}  // namespace firedrill
