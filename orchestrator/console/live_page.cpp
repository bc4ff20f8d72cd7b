#include "orchestrator/console/live_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

constexpr std::size_t kMaxText = 2000;  // a note or reason is shortened beyond this

std::string E(std::string_view text, std::size_t max = kMaxText) {
  return Escape(Shorten(text, max));
}

std::string Seconds(Duration d) {
  if (d < Duration(0)) d = Duration(0);
  return FormatDuration(std::chrono::floor<std::chrono::seconds>(d));
}

// A time as the drill's zone says it, and in UTC for the machine (the <time> element).
std::string TimeEl(SysTime t, const std::string& zone) {
  return fmt::format("<time datetime=\"{}\">{}</time>", FormatUtc(t),
                     E(FormatInZone(t, zone), 100));
}

// A countdown the script keeps ticking; without script it says the time at rendering.
std::string Countdown(SysTime to, SysTime now) {
  return fmt::format("<span class=\"countdown\" data-countdown=\"{}\">in {}</span>", FormatUtc(to),
                     Seconds(to - now));
}

std::string FaultState(LiveFault::State s) {
  switch (s) {
    case LiveFault::State::kWaiting:
      return "<td>waiting</td>";
    case LiveFault::State::kInPlace:
      return "<td class=\"bad\">in place</td>";
    case LiveFault::State::kInjectFailed:
      return "<td class=\"bad\">inject failed</td>";
    case LiveFault::State::kRestored:
      return "<td class=\"ok\">restored</td>";
    case LiveFault::State::kRestoreFailed:
      return "<td class=\"bad\">RESTORE FAILED</td>";
  }
  return "<td></td>";
}

std::string ProbeStateText(LiveProbe::State s) {
  switch (s) {
    case LiveProbe::State::kNotChecked:
      return "not checked yet";
    case LiveProbe::State::kGreen:
      return "green";
    case LiveProbe::State::kRed:
      return "red";
  }
  return "";
}

// Since T0 when after it, else the time in the drill's zone.
std::string Since(const LiveView& v, SysTime at) {
  if (v.t0 && at >= *v.t0) return "T0+" + Seconds(at - *v.t0);
  return FormatInZone(at, v.zone).substr(11, 8);
}

// A probe's changes as a strip of cells, each red or green, said in letters too (R/G) and with
// the reason and time on hover (title) and for screen readers.
std::string Strip(const LiveView& v, const LiveProbe& p) {
  if (p.changes.empty()) return "<span class=\"muted\">no change yet</span>";
  std::string h = "<span class=\"strip\" role=\"list\">";
  for (const LiveProbe::Change& c : p.changes) {
    bool red = c.state == LiveProbe::State::kRed;
    std::string label = fmt::format("{} at {}{}", red ? "red" : "green", Since(v, c.at),
                                    c.reason.empty() ? "" : ": " + Shorten(c.reason, 300));
    h +=
        fmt::format("<span role=\"listitem\" class=\"{}\" title=\"{}\" aria-label=\"{}\">{}</span>",
                    red ? "red" : "green", Escape(label), Escape(label), red ? "R" : "G");
  }
  return h + "</span>";
}

// One objective row: measured (or counting) against the objective, the verdict in words.
std::string ObjectiveRow(const LiveView& v, SysTime now, std::string_view name,
                         const std::optional<Duration>& took, const std::string& by,
                         const std::optional<Duration>& within) {
  std::string measured;
  std::string verdict;
  if (took) {
    measured = "T0+" + FormatDuration(*took) + (by.empty() ? "" : " " + by);
    if (within) {
      verdict = *took <= *within ? "<td class=\"verdict-met\">met</td>"
                                 : "<td class=\"verdict-missed\">missed</td>";
    }
  } else if (!v.t0) {
    measured = "counted from T0";
  } else if (v.finished || v.phase == "restoring") {
    measured = "not within the drill";
    if (within) verdict = "<td class=\"verdict-missed\">missed</td>";
  } else {
    Duration elapsed = now - *v.t0;
    measured = "not yet: T0+" + Seconds(elapsed) + " and counting";
    if (within) {
      verdict = elapsed <= *within ? "<td>" + Seconds(*within - elapsed) + " left</td>"
                                   : std::string("<td class=\"verdict-missed\">missed</td>");
    }
  }
  if (verdict.empty()) verdict = within ? "<td></td>" : "<td>no objective</td>";
  return fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td>{}</tr>", name, E(measured),
                     within ? FormatDuration(*within) : std::string("none"), verdict);
}

std::string WhereNext(const LiveView& v, SysTime now) {
  if (v.finished) {
    return "Ended: " + E(v.outcome.empty() ? v.phase : v.outcome) + ".";
  }
  if (v.phase == "restoring") {
    return "Restoring every fault in place: " + E(v.ending_reason.value_or("")) + ".";
  }
  if (!v.t0 && now < v.first_inject_at && v.wheel) {
    return "Waiting: the window opens at " + TimeEl(v.window_start, v.zone) + " " +
           Countdown(v.window_start, now) + "; the wheel decides what is injected, and when.";
  }
  if (!v.t0 && now < v.first_inject_at) {
    return "First injection at " + TimeEl(v.first_inject_at, v.zone) + " " +
           Countdown(v.first_inject_at, now) + ".";
  }
  return "Restore point " + TimeEl(v.restore_at, v.zone) + " " + Countdown(v.restore_at, now) +
         ": the faults stay in place until then, recovered or not.";
}

}  // namespace

std::string LiveSectionHtml(const LiveView& v, SysTime now) {
  std::string h =
      fmt::format("<p><span class=\"phase\">{}</span>{}</p><p>{}</p>\n", E(v.phase),
                  v.t0 && !v.finished ? " · T0+" + Seconds(now - *v.t0) : "", WhereNext(v, now));
  h += "<h2>Faults</h2><div class=\"scroll\"><table><tr><th>Fault</th><th>Kind</th>"
       "<th>Target</th><th>State</th><th>Note</th></tr>";
  for (const LiveFault& f : v.faults) {
    h += "<tr><td>" + E(f.id, 200) + "</td><td>" + E(f.kind, 200) + "</td><td>" + E(f.target, 300) +
         "</td>" + FaultState(f.state) + "<td>" + E(f.note) + "</td></tr>";
  }
  if (v.faults.empty()) {
    h += v.wheel ? "<tr><td colspan=\"5\">none in place yet (the wheel decides)</td></tr>"
                 : "<tr><td colspan=\"5\">none</td></tr>";
  }
  h += "</table></div>\n";
  if (!v.probes.empty()) {
    h += "<h2>Probes</h2><div class=\"scroll\"><table><tr><th>Probe</th><th>Target</th>"
         "<th>Now</th><th>Over time</th></tr>";
    for (const LiveProbe& p : v.probes) {
      bool red = p.state == LiveProbe::State::kRed;
      std::string now_text = ProbeStateText(p.state) +
                             (p.since ? " since " + Since(v, *p.since) : std::string()) +
                             (p.reason.empty() ? "" : ": " + Shorten(p.reason, 300));
      h += fmt::format(
          "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>", E(p.name, 200),
          E(p.target, 300),
          red ? "state-red" : (p.state == LiveProbe::State::kGreen ? "state-green" : ""),
          Escape(now_text), Strip(v, p));
    }
    h += "</table></div>\n";
  }
  std::string detected_by = v.ttd_human && (!v.ttd_alert || *v.ttd_human <= *v.ttd_alert)
                                ? "by " + v.ttd_human_by
                                : (v.ttd_alert ? "by an alert from " + v.ttd_alert_from : "");
  std::string recovered_by = v.has_probes ? "by the probes" : "by " + v.ttr_human_by;
  h += "<h2>Detection and recovery</h2><div class=\"scroll\"><table><tr><th>Metric</th>"
       "<th>Measured</th><th>Objective</th><th>Verdict</th></tr>";
  h += ObjectiveRow(v, now, "TTD", LiveTtd(v), detected_by, v.detect_within);
  h += ObjectiveRow(v, now, "TTR", LiveTtr(v), recovered_by, v.recover_within);
  h += "</table></div>\n<h2>Alerts and acknowledgements</h2>";
  if (v.notes.empty()) {
    h += "<p class=\"muted\">None yet.</p>";
  } else {
    h += "<ol class=\"notes\">";
    // The latest 100: a run with thousands of alerts must not make a page of megabytes.
    std::size_t first = v.notes.size() > 100 ? v.notes.size() - 100 : 0;
    for (std::size_t i = first; i < v.notes.size(); ++i) {
      h += "<li>" + TimeEl(v.notes[i].at, v.zone) + " " + E(v.notes[i].text) + "</li>";
    }
    h += "</ol>";
  }
  return h;
}

std::string LivePageHtml(const ConsoleViewer& viewer, const LiveView& v, SysTime now,
                         std::string_view events_url, std::string_view message) {
  std::string id = FormEncode(v.drill_id);
  std::string h = fmt::format("<h1>Drill {}{}</h1>\n", E(v.drill_id, 200),
                              v.title.empty() ? "" : ": " + E(v.title, 500));
  h += fmt::format(
      "<p class=\"muted\">Window from {} (zone {}). Run {}. <a href=\"/console/drills/{}/"
      "invite.ics\">Calendar invite</a>{}</p>\n",
      TimeEl(v.window_start, v.zone), E(v.zone, 100),
      E(v.run_id.empty() ? "not started" : v.run_id, 200), id,
      v.run_id.empty()
          ? ""
          : fmt::format(" · <a href=\"/console/runs/{}\">Record</a>", FormEncode(v.run_id)));
  if (!message.empty()) h += "<p class=\"notice\" role=\"status\">" + E(message) + "</p>\n";
  h += fmt::format(
      "<section id=\"live\" aria-live=\"polite\"{}>\n",
      v.finished || events_url.empty() ? "" : " data-events=\"" + Escape(events_url) + "\"");
  h += LiveSectionHtml(v, now);
  h += "</section>\n";
  if (v.finished) return h;
  if (ViewerMay(viewer, Role::kResponder)) {
    h += fmt::format(
        "<h2>Say what you saw</h2><form class=\"act\" method=\"post\" action=\"/console/drills/{}/"
        "ack\">{}<label>Note (optional) <input type=\"text\" name=\"note\" maxlength=\"2000\">"
        "</label><button class=\"primary\" type=\"submit\" name=\"what\" value=\"detected\">"
        "Detected</button> <button class=\"primary\" type=\"submit\" name=\"what\" "
        "value=\"recovered\">Recovered</button></form>\n",
        id, CsrfField(viewer));
  }
  if (ViewerMay(viewer, Role::kLead)) {
    h += fmt::format(
        "<h2>Abort</h2><form class=\"act\" method=\"post\" action=\"/console/drills/{}/abort\" "
        "data-confirm=\"Abort the drill and restore every fault now?\">{}<label>Reason "
        "<input type=\"text\" name=\"reason\" required maxlength=\"2000\"></label><label>"
        "<input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> I am sure: restore "
        "every fault now and end the drill</label><button class=\"danger\" type=\"submit\">"
        "Abort the drill</button></form>\n",
        id, CsrfField(viewer));
  }
  return h;
}

}  // namespace firedrill
