#include "orchestrator/daemon/console_site.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "drills/zoned_time.h"
#include "orchestrator/console/audit_page.h"
#include "orchestrator/console/calendar_page.h"
#include "orchestrator/console/live_page.h"
#include "orchestrator/console/report_page.h"
#include "orchestrator/console/services_page.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/daemon/console_data.h"
#include "orchestrator/daemon/run_report_loader.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_json.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/report/audit_render.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/store/schedule_table.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr char kHtml[] = "text/html; charset=utf-8";
// Sign-in: the longest name kept, and the longest form a browser may post here.
constexpr std::size_t kMaxName = 100;

ControlResponse Page(int status, std::string html) {
  ControlResponse r(status, std::move(html), kHtml);
  r.headers = ConsoleHeaders();
  return r;
}

ControlResponse Redirect(std::string_view to) {
  ControlResponse r(303, "", kHtml);
  r.headers = ConsoleHeaders();
  r.headers.emplace_back("Location", std::string(to));
  return r;
}

ControlResponse Download(std::string body, std::string type, std::string_view filename) {
  ControlResponse r(200, std::move(body), std::move(type));
  r.headers = ConsoleHeaders();
  std::string safe;
  for (char c : filename) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
    safe += plain ? c : '_';
  }
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + safe + "\"");
  return r;
}

ControlResponse ErrorPage(const ConsoleViewer* viewer, int status, std::string_view title,
                          std::string_view message) {
  ControlResponse r = Page(status, ConsoleErrorPage(viewer, status, title, message));
  if (viewer == nullptr) r.proves_caller = false;
  return r;
}

// A browser sends Origin with every POST; one from another site (a forged form) is refused. A
// request without Origin (an older client) falls back on the CSRF token alone.
bool SameOrigin(const ControlRequest& request, bool tls) {
  if (request.origin.empty()) return true;
  return request.origin == (tls ? "https://" : "http://") + request.host;
}

std::string DecodedParam(const ControlRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  if (it == request.params.end()) return "";
  auto decoded = ParseFormFields("v=" + it->second);
  return decoded.ok() ? decoded->at("v") : it->second;
}

std::string DrillUrl(const std::string& id) { return "/console/drills/" + FormEncode(id); }

}  // namespace

std::vector<std::pair<std::string, std::string>> ConsoleHeaders() {
  return {{"Content-Security-Policy",
           "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "same-origin"}};
}

std::optional<ConsoleSite::Caller> ConsoleSite::SignedIn(const ControlRequest& request) {
  std::string id = CookieValue(request.cookie, kSessionCookie);
  if (id.empty()) return std::nullopt;
  const ConsoleSession* session = sessions_.Find(id, ctx_.now());
  if (session == nullptr) return std::nullopt;
  std::optional<Role> role = ctx_.token_role(session->token);
  if (!role) {  // revoked since sign-in
    sessions_.Close(id);
    return std::nullopt;
  }
  return Caller{id, ConsoleViewer{session->name, *role, session->csrf}};
}

ControlResponse ConsoleSite::SignIn(const ControlRequest& request) {
  auto refuse = [](std::string_view why) {
    ControlResponse r = Page(400, SignInPage(why));
    r.proves_caller = false;
    return r;
  };
  if (!SameOrigin(request, ctx_.tls)) {
    return ErrorPage(nullptr, 403, "Refused", "the sign-in form was sent from another site");
  }
  auto fields = ParseFormFields(request.body);
  if (!fields.ok()) return refuse(fields.error().message);
  std::string token = (*fields)["token"];
  std::string name = (*fields)["name"];
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  if (name.empty()) return refuse("Give your name: it is recorded as who acted.");
  if (name.size() > kMaxName) return refuse("The name is longer than 100 bytes.");
  std::optional<Role> role = token.empty() ? std::nullopt : ctx_.token_role(token);
  if (!role) {
    return refuse(
        "That token is not valid (unknown or revoked). Make one with firedrill token create "
        "--role ROLE.");
  }
  auto id = sessions_.Open(std::move(token), std::move(name), ctx_.now());
  if (!id.ok()) return ErrorPage(nullptr, 500, "Cannot sign in", id.error().message);
  ControlResponse r = Redirect("/console/calendar");
  r.headers.emplace_back("Set-Cookie", SessionCookie(*id, sessions_.lifetime(), ctx_.tls));
  return r;
}

ControlResponse ConsoleSite::Handle(const ControlRequest& request) {
  const std::string& route = request.route;
  if (route == "/console/static/{file}") {
    const std::string& file = request.params.at("file");
    if (file == "console.css") {
      ControlResponse r(200, std::string(ConsoleCss()), "text/css; charset=utf-8");
      r.headers = ConsoleHeaders();
      r.proves_caller = false;
      return r;
    }
    if (file == "console.js") {
      ControlResponse r(200, std::string(ConsoleJs()), "text/javascript; charset=utf-8");
      r.headers = ConsoleHeaders();
      r.proves_caller = false;
      return r;
    }
    return ErrorPage(nullptr, 404, "Not found", "no such file");
  }
  if (route == "/console/sign-in") {
    if (request.method == "POST") return SignIn(request);
    ControlResponse r = Page(200, SignInPage(""));
    r.proves_caller = false;
    return r;
  }
  std::optional<Caller> caller = SignedIn(request);
  if (!caller) {
    if (request.method == "GET") {
      ControlResponse r = Redirect("/console/sign-in");
      r.proves_caller = false;
      return r;
    }
    return ErrorPage(nullptr, 403, "Not signed in",
                     "Sign in first; your session may have expired, been signed out, or its "
                     "token revoked.");
  }
  const ConsoleViewer& viewer = caller->viewer;
  if (request.method == "POST") {
    auto fields = ParseFormFields(request.body);
    if (!SameOrigin(request, ctx_.tls) || !fields.ok() ||
        !SameSecret((*fields)["csrf"], viewer.csrf)) {
      return ErrorPage(&viewer, 403, "Refused",
                       "This form did not come from this console session (a stale page or a "
                       "forged request). Reload the page and try again.");
    }
    if (route == "/console/sign-out") {
      sessions_.Close(caller->session_id);
      ControlResponse r = Redirect("/console/sign-in");
      r.headers.emplace_back("Set-Cookie", ClearedSessionCookie(ctx_.tls));
      return r;
    }
    return Act(*caller, request, *fields);
  }
  if (route == "/console" || route == "/console/calendar") {
    return route == "/console" ? Redirect("/console/calendar") : Calendar(*caller, request);
  }
  if (route == "/console/drills/{id}") {
    return DrillPage(*caller, DecodedParam(request, "id"), "", 200);
  }
  if (route == "/console/drills/{id}/events") {
    std::string id = DecodedParam(request, "id");
    std::shared_ptr<ResponseFeed> feed = ctx_.board->Follow(id, ctx_.now());
    if (!feed) return ErrorPage(&viewer, 404, "Not running", "this drill has not run here");
    ControlResponse r(200, "retry: 2000\n\n", "text/event-stream");
    r.headers = ConsoleHeaders();
    r.feed = std::move(feed);
    return r;
  }
  if (route == "/console/drills/{id}/invite.ics") {
    std::string id = DecodedParam(request, "id");
    auto rec = ScheduleTable(*ctx_.db).Get(id);
    if (!rec.ok() || !*rec) return ErrorPage(&viewer, 404, "Not scheduled", "no such drill");
    std::filesystem::path file =
        ctx_.state_dir / "invites" / fmt::format("{}.{}.ics", id, (*rec)->sequence);
    std::ifstream in(file, std::ios::binary);
    if (!in) return ErrorPage(&viewer, 404, "No invite", "this drill has no calendar invite");
    std::stringstream text;
    text << in.rdbuf();
    return Download(text.str(), "text/calendar; charset=utf-8", id + ".ics");
  }
  if (route.starts_with("/console/runs/")) return Run(*caller, request);
  if (route == "/console/services") return Services(*caller);
  if (route.starts_with("/console/audit")) return Audit(*caller, request);
  return ErrorPage(&viewer, 404, "Not found", "no such page");
}

ControlResponse ConsoleSite::DrillPage(const Caller& caller, const std::string& id,
                                       std::string_view message, int status) {
  const ConsoleViewer& viewer = caller.viewer;
  if (const LiveView* view = ctx_.board->View(id)) {
    std::string html = LivePageHtml(viewer, *view, ctx_.now(), DrillUrl(id) + "/events", message);
    return Page(status, ConsolePage(viewer, "Drill " + id, kNavCalendar, html));
  }
  auto rec = ScheduleTable(*ctx_.db).Get(id);
  if (!rec.ok()) return ErrorPage(&viewer, 500, "Cannot read the records", rec.error().message);
  std::string html = "<h1>Drill " + Escape(Shorten(id, 200)) + "</h1>\n";
  if (!message.empty()) html += "<p class=\"notice\" role=\"status\">" + Escape(message) + "</p>";
  if (*rec) {
    const ScheduleRecord& r = **rec;
    html += fmt::format(
        "<p>{}: the next window is {} to {} (UTC). Announced {}. <a href=\"{}/invite.ics\">"
        "Calendar invite</a>.</p><p>It has not run since the daemon started; its live page "
        "appears here when its window opens.</p>",
        ScheduleStateName(r.state), FormatUtc(r.next_start), FormatUtc(r.next_end),
        FormatUtc(r.announced), DrillUrl(id));
  } else {
    html += "<p>Not scheduled.</p>";
  }
  html += "<p><a href=\"/console/runs/" + FormEncode(id) + "\">Its latest run's record</a></p>";
  return Page(*rec || !message.empty() ? status : 404,
              ConsolePage(viewer, "Drill " + id, kNavCalendar, html));
}

ControlResponse ConsoleSite::Act(const Caller& caller, const ControlRequest& request,
                                 const std::map<std::string, std::string>& fields) {
  const ConsoleViewer& viewer = caller.viewer;
  std::string id = DecodedParam(request, "id");
  auto field = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  bool abort = request.route == "/console/drills/{id}/abort";
  Role need = abort ? Role::kLead : Role::kResponder;
  if (!ViewerMay(viewer, need)) {
    return ErrorPage(&viewer, 403, "Not allowed",
                     fmt::format("This needs the {} role; you signed in with a {} token.",
                                 RoleName(need), RoleName(viewer.role)));
  }
  ControlRequest forward;
  forward.method = "POST";
  forward.params["id"] = id;
  forward.role = std::string(RoleName(viewer.role));
  json::object body{{"by", viewer.name}};
  if (abort) {
    if (field("confirm") != "yes") {
      return DrillPage(caller, id, "Not aborted: tick the confirmation box to abort.", 400);
    }
    forward.path = "/v1/drills/" + id + "/abort";
    forward.route = "/v1/drills/{id}/abort";
    body["reason"] = field("reason");
  } else {
    forward.path = "/v1/drills/" + id + "/ack";
    forward.route = "/v1/drills/{id}/ack";
    body["what"] = field("what");
    body["note"] = field("note");
  }
  forward.body = json::serialize(body);
  ControlResponse answer = ctx_.to_run(id, forward);
  std::string said;
  boost::system::error_code ec;
  json::value v = json::parse(answer.body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error")) {
    said = json::value_to<std::string>(v.as_object().at("error"));
  }
  if (answer.status >= 300) {
    return DrillPage(caller, id, "Not done: " + (said.empty() ? answer.body : said), answer.status);
  }
  // Post/redirect/get: a reload does not send the form again.
  return Redirect(DrillUrl(id) + (abort ? "?done=abort" : "?done=" + FormEncode(field("what"))));
}

ControlResponse ConsoleSite::Run(const Caller& caller, const ControlRequest& request) {
  const ConsoleViewer& viewer = caller.viewer;
  std::string run = DecodedParam(request, "run");
  auto report = LoadRunReport(*ctx_.db, run, std::nullopt, ctx_.now(), &Verification());
  if (!report.ok())
    return ErrorPage(&viewer, 500, "Cannot read the records", report.error().message);
  if (!*report) return ErrorPage(&viewer, 404, "No such run", "the records hold no run " + run);
  const RunReport& r = **report;
  if (request.route == "/console/runs/{run}/postmortem.md") {
    return Download(r.postmortem, "text/markdown; charset=utf-8", r.facts.run_id + ".md");
  }
  if (request.route == "/console/runs/{run}/events.json") {
    json::array events;
    for (const Event& e : r.events) {
      boost::system::error_code ec;
      json::value payload = json::parse(e.payload_json, ec);
      events.push_back(json::object{{"seq", e.seq},
                                    {"ts", FormatUtc(e.ts)},
                                    {"drill", e.drill_id},
                                    {"kind", e.kind},
                                    {"actor", e.actor},
                                    {"payload", ec ? json::value(e.payload_json) : payload}});
    }
    json::object doc{{"run", r.facts.run_id},
                     {"verified", r.verified},
                     {"verification", r.verification},
                     {"events", std::move(events)}};
    return Download(json::serialize(doc), "application/json", r.facts.run_id + ".json");
  }
  std::string base = "/console/runs/" + FormEncode(r.facts.run_id);
  std::string html = fmt::format(
      "<p class=\"muted\">Downloads: <a href=\"{0}/postmortem.md\">postmortem (Markdown)</a> · "
      "<a href=\"{0}/events.json\">events (JSON)</a> · <a href=\"{1}/invite.ics\">invite "
      "(.ics)</a> · <a href=\"{1}\">drill page</a></p>\n",
      base, DrillUrl(r.facts.drill_id));
  html += RunReportSections(r);
  return Page(200, ConsolePage(viewer, "Run " + r.facts.run_id, kNavCalendar, html));
}

ControlResponse ConsoleSite::Services(const Caller& caller) {
  const ConsoleViewer& viewer = caller.viewer;
  auto report = audit_.Report(*ctx_.db, ctx_.state_dir, AuditPeriod{});
  if (!report.ok())
    return ErrorPage(&viewer, 500, "Cannot read the records", report.error().message);
  return Page(200, ConsolePage(viewer, "Services", kNavServices,
                               ServicesHtml(viewer, *report, ctx_.now())));
}

ControlResponse ConsoleSite::Audit(const Caller& caller, const ControlRequest& request) {
  const ConsoleViewer& viewer = caller.viewer;
  auto query = ParseAuditQuery(request.query);
  if (!query.ok()) return ErrorPage(&viewer, 400, "Bad audit filter", query.error().message);
  auto loaded = audit_.Report(*ctx_.db, ctx_.state_dir, AuditPeriodOf(*query));
  if (!loaded.ok())
    return ErrorPage(&viewer, 500, "Cannot read the records", loaded.error().message);
  AuditReport report = FilterAudit(std::move(*loaded), query->service);
  if (request.route == "/console/audit.csv") {
    auto fields = ParseFormFields(request.query);
    std::string table = fields.ok() && fields->contains("table") ? fields->at("table") : "runs";
    if (table != "runs" && table != "services" && table != "not-drilled") {
      return ErrorPage(&viewer, 400, "Bad table",
                       "table must be runs, services or not-drilled, not \"" + table + "\"");
    }
    return Download(AuditCsv(report, table), "text/csv; charset=utf-8", "audit-" + table + ".csv");
  }
  if (request.route == "/console/audit.json") {
    return Download(AuditJson(report), "application/json", "audit.json");
  }
  if (request.route == "/console/audit.md") {
    return Download(AuditMarkdown(report), "text/markdown; charset=utf-8", "audit.md");
  }
  const std::optional<ChainStatus>& chain = Verification();
  std::string verification =
      chain ? fmt::format("{} (checked at {}; the daemon checks again after each run)", chain->text,
                          FormatUtc(chain->at))
            : std::string("The record's hash chain is being checked; reload in a moment.");
  return Page(200,
              ConsolePage(viewer, "Audit", kNavAudit,
                          AuditHtml(viewer, report, *query, verification, chain && chain->ok)));
}

const std::optional<ChainStatus>& ConsoleSite::Verification() {
  static const std::optional<ChainStatus> kNone;
  if (ctx_.chain == nullptr) return kNone;
  const std::optional<ChainStatus>& latest = ctx_.chain->latest();
  if (!latest || ctx_.now() - latest->at > std::chrono::minutes(1)) ctx_.chain->Request();
  return ctx_.chain->latest();
}

ControlResponse ConsoleSite::Calendar(const Caller& caller, const ControlRequest& request) {
  const ConsoleViewer& viewer = caller.viewer;
  SysTime now = ctx_.now();
  auto query = ParseCalendarQuery(request.query, now);
  if (!query.ok()) return ErrorPage(&viewer, 400, "Bad calendar address", query.error().message);
  auto data = LoadCalendar(*ctx_.db, query->from, query->to, now);
  if (!data.ok()) return ErrorPage(&viewer, 500, "Cannot read the records", data.error().message);
  return Page(
      200, ConsolePage(viewer, "Calendar", kNavCalendar, CalendarHtml(viewer, *data, *query, now)));
}

}  // namespace firedrill
