// The console's HTTP side on its own (orchestrator/daemon/console_site): sign-in and the session
// cookie, CSRF and origin checks, roles, revoked tokens, and that acks and aborts reach the run
// as the API's requests; against a real state directory and a recording stand-in for the run.
#include "orchestrator/daemon/console_site.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "drills/timestamp.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/typed_event.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace json = boost::json;

std::string Header(const ControlResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

struct Site {
  Site() {
    auto opened = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(opened.ok());
    db.emplace(std::move(*opened));
    ConsoleContext c;
    c.db = &*db;
    c.state_dir = tmp.path();
    c.board = &board;
    c.token_role = [this](std::string_view token) -> std::optional<Role> {
      auto it = tokens.find(std::string(token));
      if (it == tokens.end()) return std::nullopt;
      return it->second;
    };
    c.to_run = [this](const std::string& id, const ControlRequest& r) {
      forwarded.push_back(r);
      return ControlResponse(id == "gone" ? 404 : 200,
                             id == "gone" ? R"({"error":"no running drill \"gone\""})" : "{}");
    };
    c.now = [this] { return now; };
    c.tls = tls;
    site.emplace(std::move(c));
  }

  ControlResponse Get(const std::string& path, const std::string& route,
                      const std::string& cookie = "",
                      std::map<std::string, std::string> params = {}) {
    ControlRequest r;
    r.method = "GET";
    r.path = path;
    r.route = route;
    r.cookie = cookie;
    r.params = std::move(params);
    r.host = "127.0.0.1:8080";
    return site->Handle(r);
  }
  ControlResponse Post(const std::string& path, const std::string& route, const std::string& body,
                       const std::string& cookie = "",
                       std::map<std::string, std::string> params = {},
                       const std::string& origin = "http://127.0.0.1:8080") {
    ControlRequest r;
    r.method = "POST";
    r.path = path;
    r.route = route;
    r.body = body;
    r.cookie = cookie;
    r.params = std::move(params);
    r.host = "127.0.0.1:8080";
    r.origin = origin;
    return site->Handle(r);
  }
  // Signs in with `token`; returns the Cookie header to send and the session's CSRF token.
  std::pair<std::string, std::string> SignIn(const std::string& token, const std::string& name) {
    ControlResponse r = Post("/console/sign-in", "/console/sign-in",
                             "token=" + FormEncode(token) + "&name=" + FormEncode(name));
    REQUIRE(r.status == 303);
    std::string set = Header(r, "Set-Cookie");
    std::string cookie = set.substr(0, set.find(';'));
    ControlResponse page = Get("/console/calendar", "/console/calendar", cookie);
    REQUIRE(page.status == 200);
    std::size_t at = page.body.find("name=\"csrf\" value=\"");
    REQUIRE(at != std::string::npos);
    std::string csrf = page.body.substr(at + 19, 64);
    return {cookie, csrf};
  }

  testing::TempDir tmp;
  std::optional<Database> db;
  LiveBoard board;
  std::map<std::string, Role> tokens{{"lead-token", Role::kLead},
                                     {"responder-token", Role::kResponder},
                                     {"auditor-token", Role::kAuditor}};
  std::vector<ControlRequest> forwarded;
  SysTime now = ParseUtc("2026-12-07T10:00:00Z").value();
  bool tls = false;
  std::optional<ConsoleSite> site;
};

const std::map<std::string, std::string> kDrillParams{{"id", "checkout"}};

}  // namespace

TEST_CASE("console sign-in sets a strict session cookie and a wrong token gets the form again",
          "[console-site]") {
  Site s;
  ControlResponse bad = s.Post("/console/sign-in", "/console/sign-in", "token=nope&name=Ann");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("not valid"));
  CHECK(Header(bad, "Set-Cookie").empty());
  CHECK_FALSE(bad.proves_caller);
  ControlResponse noname = s.Post("/console/sign-in", "/console/sign-in", "token=lead-token");
  CHECK(noname.status == 400);

  ControlResponse ok =
      s.Post("/console/sign-in", "/console/sign-in", "token=lead-token&name=Ann+Lead");
  CHECK(ok.status == 303);
  CHECK(Header(ok, "Location") == "/console/calendar");
  std::string cookie = Header(ok, "Set-Cookie");
  CHECK_THAT(cookie, Catch::StartsWith("firedrill_session="));
  CHECK_THAT(cookie, Catch::Contains("HttpOnly") && Catch::Contains("SameSite=Strict") &&
                         Catch::Contains("Max-Age=43200") && !Catch::Contains("Secure"));
  CHECK(s.site->sessions().size() == 1);
  // Every answer carries the console's policy.
  CHECK_THAT(Header(ok, "Content-Security-Policy"),
             Catch::Contains("script-src 'self'") && Catch::Contains("frame-ancestors 'none'"));
}

TEST_CASE("console cookies are Secure under TLS", "[console-site]") {
  Site t;
  ConsoleContext c;
  c.db = &*t.db;
  c.board = &t.board;
  c.token_role = [](std::string_view) { return std::optional<Role>(Role::kLead); };
  c.now = [] { return SysTime{}; };
  c.tls = true;
  ConsoleSite site(std::move(c));
  ControlRequest r;
  r.method = "POST";
  r.route = "/console/sign-in";
  r.body = "token=x&name=y";
  r.host = "example.org";
  r.origin = "https://example.org";
  ControlResponse ok = site.Handle(r);
  REQUIRE(ok.status == 303);
  CHECK_THAT(Header(ok, "Set-Cookie"), Catch::EndsWith("; Secure"));
  r.origin = "http://example.org";  // not the origin of an HTTPS site
  CHECK(site.Handle(r).status == 403);
}

TEST_CASE("console pages need a session and send strangers to the sign-in page", "[console-site]") {
  Site s;
  ControlResponse r = s.Get("/console/calendar", "/console/calendar");
  CHECK(r.status == 303);
  CHECK(Header(r, "Location") == "/console/sign-in");
  CHECK_FALSE(r.proves_caller);
  r = s.Get("/console/calendar", "/console/calendar", "firedrill_session=forged");
  CHECK(r.status == 303);
  ControlResponse post = s.Post("/console/drills/checkout/ack", "/console/drills/{id}/ack",
                                "what=detected&csrf=x", "", kDrillParams);
  CHECK(post.status == 403);
  CHECK(s.forwarded.empty());
}

TEST_CASE("console sessions expire and end with their token", "[console-site]") {
  Site s;
  auto [cookie, csrf] = s.SignIn("responder-token", "Rita");
  s.tokens.erase("responder-token");  // revoked
  CHECK(s.Get("/console/calendar", "/console/calendar", cookie).status == 303);
  CHECK(s.site->sessions().size() == 0);

  s.tokens["responder-token"] = Role::kResponder;
  auto [again, csrf2] = s.SignIn("responder-token", "Rita");
  s.now += std::chrono::hours(12);
  CHECK(s.Get("/console/calendar", "/console/calendar", again).status == 303);
}

TEST_CASE("a console form without the session's CSRF token or from another site is refused",
          "[console-site]") {
  Site s;
  auto [cookie, csrf] = s.SignIn("lead-token", "Ann");
  std::string path = "/console/drills/checkout/abort";
  std::string route = "/console/drills/{id}/abort";
  CHECK(s.Post(path, route, "reason=x&confirm=yes", cookie, kDrillParams).status == 403);
  CHECK(
      s.Post(path, route, "reason=x&confirm=yes&csrf=" + std::string(64, '0'), cookie, kDrillParams)
          .status == 403);
  CHECK(s.Post(path, route, "reason=x&confirm=yes&csrf=" + csrf, cookie, kDrillParams,
               "http://evil.example")
            .status == 403);
  CHECK(s.Post(path, route, "reason=x&confirm=yes&csrf=" + csrf, cookie, kDrillParams, "null")
            .status == 403);
  CHECK(s.forwarded.empty());
  // Another session's token is no good either.
  auto [other, other_csrf] = s.SignIn("lead-token", "Bo");
  CHECK(
      s.Post(path, route, "reason=x&confirm=yes&csrf=" + other_csrf, cookie, kDrillParams).status ==
      403);
  CHECK(s.forwarded.empty());
}

TEST_CASE("console roles: an auditor may not ack and a responder may not abort", "[console-site]") {
  Site s;
  auto [auditor, auditor_csrf] = s.SignIn("auditor-token", "Avery");
  ControlResponse r = s.Post("/console/drills/checkout/ack", "/console/drills/{id}/ack",
                             "what=detected&csrf=" + auditor_csrf, auditor, kDrillParams);
  CHECK(r.status == 403);
  CHECK_THAT(r.body, Catch::Contains("needs the responder role"));
  auto [responder, responder_csrf] = s.SignIn("responder-token", "Rita");
  r = s.Post("/console/drills/checkout/abort", "/console/drills/{id}/abort",
             "reason=x&confirm=yes&csrf=" + responder_csrf, responder, kDrillParams);
  CHECK(r.status == 403);
  CHECK(s.forwarded.empty());
}

TEST_CASE("a console ack and abort reach the run as the API's requests by the signed-in name",
          "[console-site]") {
  Site s;
  auto [cookie, csrf] = s.SignIn("lead-token", "Ann <Lead>");
  ControlResponse r = s.Post("/console/drills/checkout/ack", "/console/drills/{id}/ack",
                             "what=detected&note=pager+%3Cb%3E&csrf=" + csrf, cookie, kDrillParams);
  CHECK(r.status == 303);
  CHECK(Header(r, "Location") == "/console/drills/checkout?done=detected");
  REQUIRE(s.forwarded.size() == 1);
  CHECK(s.forwarded[0].route == "/v1/drills/{id}/ack");
  CHECK(s.forwarded[0].params.at("id") == "checkout");
  CHECK(s.forwarded[0].role == "lead");
  json::object body = json::parse(s.forwarded[0].body).as_object();
  CHECK(body.at("what").as_string() == "detected");
  CHECK(body.at("by").as_string() == "Ann <Lead>");
  CHECK(body.at("note").as_string() == "pager <b>");

  // Abort needs the confirmation; without it nothing is forwarded.
  r = s.Post("/console/drills/checkout/abort", "/console/drills/{id}/abort",
             "reason=enough&csrf=" + csrf, cookie, kDrillParams);
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("tick the confirmation"));
  CHECK(s.forwarded.size() == 1);
  r = s.Post("/console/drills/checkout/abort", "/console/drills/{id}/abort",
             "reason=enough&confirm=yes&csrf=" + csrf, cookie, kDrillParams);
  CHECK(r.status == 303);
  REQUIRE(s.forwarded.size() == 2);
  CHECK(s.forwarded[1].route == "/v1/drills/{id}/abort");
  CHECK(json::parse(s.forwarded[1].body).at("reason").as_string() == "enough");

  // The run's refusal is shown on the page, escaped.
  r = s.Post("/console/drills/gone/ack", "/console/drills/{id}/ack", "what=detected&csrf=" + csrf,
             cookie, {{"id", "gone"}});
  CHECK(r.status == 404);
  CHECK_THAT(r.body, Catch::Contains("no running drill &quot;gone&quot;"));
}

TEST_CASE("console sign-out ends the session and clears the cookie", "[console-site]") {
  Site s;
  auto [cookie, csrf] = s.SignIn("lead-token", "Ann");
  ControlResponse r = s.Post("/console/sign-out", "/console/sign-out", "csrf=" + csrf, cookie);
  CHECK(r.status == 303);
  CHECK_THAT(Header(r, "Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(s.Get("/console/calendar", "/console/calendar", cookie).status == 303);
}

TEST_CASE("the console follows a running drill's events and stops at its end", "[console-site]") {
  Site s;
  auto [cookie, csrf] = s.SignIn("responder-token", "Rita");
  CHECK(
      s.Get("/console/drills/checkout/events", "/console/drills/{id}/events", cookie, kDrillParams)
          .status == 404);
  Drill drill;
  drill.id = "checkout";
  drill.title = "<script>x</script>";
  drill.window.start = s.now;
  drill.window.end = s.now + std::chrono::minutes(10);
  drill.window.zone = "UTC";
  s.board.Begin(drill, s.now);
  ControlResponse r =
      s.Get("/console/drills/checkout/events", "/console/drills/{id}/events", cookie, kDrillParams);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/event-stream");
  REQUIRE(r.feed);
  r.feed->Attach([] {});
  std::string first = r.feed->Take();
  CHECK_THAT(first, Catch::StartsWith("event: live\n"));
  CHECK(s.board.followers() == 1);
  s.board.Apply("checkout", s.now, EventKind::kWaiting, Waiting{.inject_at = s.now}, s.now);
  CHECK_THAT(r.feed->Take(), Catch::Contains("waiting"));
  s.board.End("checkout", s.now);
  CHECK_THAT(r.feed->Take(), Catch::Contains("event: end"));
  CHECK(r.feed->closed());
  CHECK(s.board.followers() == 0);
  // The page of the ended run stays, without a stream or a form.
  ControlResponse page =
      s.Get("/console/drills/checkout", "/console/drills/{id}", cookie, kDrillParams);
  CHECK(page.status == 200);
  CHECK_THAT(page.body, !Catch::Contains("data-events") && !Catch::Contains("/ack\""));
  CHECK_THAT(page.body, !Catch::Contains("<script>x"));
}

}  // namespace firedrill
