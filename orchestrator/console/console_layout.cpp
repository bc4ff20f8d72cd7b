#include "orchestrator/console/console_layout.h"

#include <fmt/format.h>

#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

// Readable on an on-call phone (360 px), keyboard-operable (visible focus), and state said in
// words beside any colour (the classes only colour what the text already says).
constexpr char kCss[] = R"(:root{color-scheme:light}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fafafa;overflow-wrap:break-word}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.4em 1em;padding:.5em 12px;background:#1d2b3a;color:#fff}
header.top a{color:#fff}header.top .brand{font-weight:bold;margin-right:.5em}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.2em .9em;margin:0;padding:0}
nav a[aria-current]{font-weight:bold;text-decoration:underline 3px}
.who{margin-left:auto;display:flex;gap:.6em;align-items:center;flex-wrap:wrap}
main{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.4em;margin:.2em 0;overflow-wrap:anywhere}h2{font-size:1.15em;margin-top:1.4em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.92em;background:#fff}
th,td{text-align:left;vertical-align:top;padding:3px 6px;border-bottom:1px solid #e4e4e4}
td{overflow-wrap:anywhere}
.scroll{overflow-x:auto}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f5a623;outline-offset:1px}
button,input,select,textarea{font:inherit}
button{padding:.35em .9em;border:1px solid #345;border-radius:4px;background:#fff;cursor:pointer}
button.danger{background:#a40000;color:#fff;border-color:#700}
button.primary{background:#1d4e89;color:#fff}
form.inline{display:inline}
form.act{background:#fff;border:1px solid #ddd;padding:.6em;margin:.6em 0;border-radius:4px}
form.act label{display:block;margin:.3em 0}
input[type=text],input[type=password],textarea{width:100%;max-width:32em;padding:.3em}
.ok,.verdict-met,.state-green{color:#0a5d1a}
.bad,.verdict-missed,.state-red{color:#a40000;font-weight:bold}
.muted{color:#555}
.message{padding:.5em;border-left:4px solid #a40000;background:#fff}
.notice{padding:.5em;border-left:4px solid #1d4e89;background:#fff}
.phase{font-size:1.2em;font-weight:bold}
.countdown{font-variant-numeric:tabular-nums}
.strip{display:flex;gap:2px;flex-wrap:wrap;margin:.2em 0}
.strip span{display:inline-block;min-width:1.4em;text-align:center;font-size:.8em;border:1px solid #999;border-radius:2px}
.strip .red{background:#f4c7c3;border-color:#a40000}.strip .green{background:#cfe8d0;border-color:#0a5d1a}
.calendar{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:2px}
.calendar .day{background:#fff;border:1px solid #ddd;min-height:5.5em;padding:2px 4px;font-size:.85em}
.calendar .day.today{border:2px solid #1d4e89}
.calendar .day .date{font-weight:bold}
.calendar .out{color:#888}
.calendar .item{display:block;margin:1px 0;padding:1px 3px;border-radius:2px;background:#eef3fa}
.calendar .item.blackout{background:#eee;border-left:3px solid #555}
.calendar .item.outcome-bad{background:#fbe3e1}.calendar .item.outcome-good{background:#e3f3e4}
.calendar,.calendar .items{list-style:none;margin:0;padding:0}
.calendar .day h3{font-size:1em;margin:0 0 2px}
.calendar .day.pad{background:none;border:none}
.calendar .line{display:block}
.calendar .item.outcome-neutral{background:#f1f1f1}
.calendar .item.running{border-left:3px solid #1d4e89}
.calendar .item.freeze{border-left-color:#a40000}
.calnav{display:flex;flex-wrap:wrap;gap:.3em 2em;margin:.5em 0}
.calnav a{display:inline-block;padding:.3em 0}
form.zone{margin:.5em 0}form.zone input[type=text]{width:16em;max-width:100%}
@media (max-width:700px){.calendar{grid-template-columns:1fr}.calendar .day.empty{display:none}.who{margin-left:0}}
svg.timeline{max-width:100%;height:auto;font:12px system-ui,sans-serif}
svg .axis line,svg .mark line{stroke:#555;stroke-width:1}
svg .band.window rect{fill:#dde8f5;stroke:#7a9cc6}
svg .band.red rect{fill:#f4c7c3;stroke:#a40000}
svg .mark circle{fill:#fff;stroke:#111;stroke-width:2}
svg .mark.recover circle,svg .mark.restore circle{fill:#0a5d1a}
svg .mark.inject circle,svg .mark.guard circle{fill:#a40000}
svg.trend{max-width:100%;height:auto;font:11px system-ui,sans-serif}
svg.trend .objective{stroke:#a40000;stroke-dasharray:4 3}
svg.trend .median{fill:#1d4e89}svg.trend .p90{fill:#7a9cc6}
svg.trend line.objective{stroke-width:2}svg.trend .nodata{fill:#555;font-style:italic}
.verdict-partial{color:#8a4b00;font-weight:bold}
form.filters{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:flex-end;margin:.6em 0}
form.filters label{display:flex;flex-direction:column;font-size:.9em}
.trends{display:flex;flex-wrap:wrap;gap:.5em 2em}.trends figure{margin:.5em 0;max-width:100%}.trends figcaption{font-weight:bold}
table.wide td{overflow-wrap:break-word}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;padding:.5em;border:1px solid #ddd}
@media print{header.top,form{display:none}body{background:#fff}}
)";

// Enhancements only: every page works without this.
constexpr char kJs[] = R"JS('use strict';
(function () {
  // Live pages: <section id="live" data-events="URL"> is replaced by each pushed rendering.
  var live = document.getElementById('live');
  if (live && live.dataset.events && window.EventSource) {
    var source = new EventSource(live.dataset.events);
    source.addEventListener('live', function (e) {
      var fresh = document.createElement('template');
      fresh.innerHTML = e.data;
      live.replaceChildren(fresh.content);
      live.dataset.lastEvent = e.lastEventId;
      document.dispatchEvent(new CustomEvent('firedrill:live', {detail: e.lastEventId}));
    });
    source.addEventListener('end', function () { source.close(); });
  }
  // Forms that ask before they do something that cannot be undone.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });
  // The calendar in the viewer's own time zone, unless one was chosen.
  var zoneLinks = document.querySelectorAll('a[data-zone-link]');
  if (zoneLinks.length && window.Intl) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var params = new URLSearchParams(window.location.search);
    if (zone && zone !== 'UTC' && !params.has('zone')) {
      params.set('zone', zone);
      window.location.replace(window.location.pathname + '?' + params.toString());
      return;
    }
  }
  // Countdowns tick between the pushed renderings.
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  var tick = function () {
    document.querySelectorAll('[data-countdown]').forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.dataset.countdown) - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      el.textContent = 'in ' + (h ? h + 'h' + pad(m) + 'm' : (m ? m + 'm' : '')) +
          (h || m ? pad(s) : s) + 's';
    });
  };
  if (document.querySelector('[data-countdown]')) window.setInterval(tick, 1000);
})();
)JS";

constexpr char kHead[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<link rel=\"icon\" href=\"data:,\"><title>{} · firedrill</title>"
    "<link rel=\"stylesheet\" href=\"/console/static/console.css\">"
    "<script src=\"/console/static/console.js\" defer></script></head><body>\n";

std::string NavItem(std::string_view id, std::string_view label, std::string_view current) {
  return fmt::format("<li><a href=\"/console/{}\"{}>{}</a></li>", id,
                     id == current ? " aria-current=\"page\"" : "", label);
}

}  // namespace

bool ViewerMay(const ConsoleViewer& viewer, Role need) { return RoleAllows(viewer.role, need); }

std::string CsrfField(const ConsoleViewer& viewer) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + Escape(viewer.csrf) + "\">";
}

std::string ConsolePage(const ConsoleViewer& viewer, std::string_view title,
                        std::string_view current, std::string_view main_html) {
  std::string h = fmt::format(kHead, Escape(Shorten(title, 200)));
  h += "<header class=\"top\"><a class=\"brand\" href=\"/console/calendar\">firedrill</a>"
       "<nav aria-label=\"Console\"><ul>";
  h += NavItem(kNavCalendar, "Calendar", current);
  h += NavItem(kNavServices, "Services", current);
  h += NavItem(kNavAudit, "Audit", current);
  h += "</ul></nav><div class=\"who\"><span>Signed in as <strong>" +
       Escape(Shorten(viewer.name, 100)) + "</strong> (" + std::string(RoleName(viewer.role)) +
       ")</span><form class=\"inline\" method=\"post\" action=\"/console/sign-out\">" +
       CsrfField(viewer) + "<button type=\"submit\">Sign out</button></form></div></header>\n";
  h += "<main>\n";
  h += main_html;
  h += "\n</main>\n</body></html>\n";
  return h;
}

std::string SignInPage(std::string_view message) {
  std::string h = fmt::format(kHead, "Sign in");
  h += "<main><h1>Sign in to the firedrill console</h1>\n";
  if (!message.empty()) {
    h += "<p class=\"message\" role=\"alert\">" + Escape(Shorten(message, 500)) + "</p>\n";
  }
  h += "<form class=\"act\" method=\"post\" action=\"/console/sign-in\">"
       "<label>API token <input type=\"password\" name=\"token\" autocomplete=\"off\" required "
       "aria-describedby=\"token-help\"></label>"
       "<p id=\"token-help\" class=\"muted\">A token from <code>firedrill token create --role "
       "ROLE</code>: its role (lead, responder or auditor) decides what you may do here.</p>"
       "<label>Your name <input type=\"text\" name=\"name\" maxlength=\"100\" required "
       "autocomplete=\"name\"></label>"
       "<p class=\"muted\">Recorded as who acted when you press a button.</p>"
       "<button class=\"primary\" type=\"submit\">Sign in</button></form></main>\n"
       "</body></html>\n";
  return h;
}

std::string ConsoleErrorPage(const ConsoleViewer* viewer, int status, std::string_view title,
                             std::string_view message) {
  std::string body =
      fmt::format("<h1>{} ({})</h1><p class=\"message\">{}</p>", Escape(Shorten(title, 200)),
                  status, Escape(Shorten(message, 2000)));
  if (viewer == nullptr) {
    body += "<p><a href=\"/console/sign-in\">Sign in</a></p>";
    std::string h = fmt::format(kHead, Escape(Shorten(title, 200)));
    return h + "<main>" + body + "</main>\n</body></html>\n";
  }
  body += "<p><a href=\"/console/calendar\">Back to the calendar</a></p>";
  return ConsolePage(*viewer, title, "", body);
}

std::string_view ConsoleCss() { return kCss; }

std::string_view ConsoleJs() { return kJs; }

}  // namespace firedrill
