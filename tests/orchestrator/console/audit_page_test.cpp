// The audit page: its query and filters, the runs and per-service tables, the export links, and
// hostile text.
#include "orchestrator/console/audit_page.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>

#include "drills/timestamp.h"
#include "orchestrator/control/form_fields.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/store/database.h"
#include "tests/orchestrator/console/hostile_text.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;

using firedrill::testing::At;

// A drill of `service` on `day` (08:00-09:00 UTC), objectives detect 5m and recover 15m.
AuditRow Row(const std::string& service, const std::string& day, std::optional<Duration> ttr,
             const std::string& run_id) {
  AuditRow r;
  r.run_id = run_id;
  r.drill_id = service + "-drill";
  r.service = service;
  r.window_start = At(day + "T08:00:00Z");
  r.window_end = *r.window_start + 1h;
  r.quarter = QuarterOf(*r.window_start);
  r.announced = "met";
  r.announced_detail = "announced 3d ahead (lead 72h)";
  r.briefed = "recorded";
  r.briefed_detail = "briefed by ic@example.com";
  r.window_respected = "yes";
  r.faults_injected = 2;
  r.faults_restored_verified = 2;
  r.all_restored_verified = true;
  r.detect_objective = 5min;
  r.recover_objective = 15min;
  r.ttd_human = 3min;
  r.ttd_human_verdict = Verdict::kMet;
  r.ttr = ttr;
  r.ttr_verdict = Judge(ttr, r.recover_objective);
  r.outcome = ttr ? RunOutcome::kRecoveredByTeam : RunOutcome::kAutoRestored;
  r.recovered_by = ttr ? "team" : "auto-restored";
  return r;
}

AuditReport Report() {
  std::vector<AuditRow> rows;
  rows.push_back(Row("checkout", "2027-02-01", 12min, "checkout-1"));
  rows.push_back(Row("checkout", "2027-02-02", 30min, "checkout-2"));
  AuditRow autor = Row("checkout", "2027-02-03", std::nullopt, "checkout-3");
  autor.postmortem = true;
  rows.push_back(autor);
  AuditRow bad = Row("payments", "2027-02-04", 10min, "payments-1");
  bad.announced = "late";
  bad.announced_detail = "announced 1h ahead, less than the lead 72h";
  bad.briefed = "not recorded";
  bad.briefed_detail = "nobody was briefed";
  bad.window_respected = "no";
  bad.window_detail = "fault db-kill restored 30m after the window end";
  bad.faults_restored_verified = 1;
  bad.faults_not_restored = {"db-kill"};
  bad.all_restored_verified = false;
  bad.ttd_human.reset();
  bad.ttd_human_verdict = Verdict::kNotReached;
  rows.push_back(bad);
  return BuildAudit(rows, {"checkout", "payments", "search"},
                    {At("2027-01-01T00:00:00Z"), At("2027-04-01T00:00:00Z")});
}

const ConsoleViewer kAuditViewer{"Ann", Role::kAuditor, "csrf-token"};

using firedrill::testing::Count;
using firedrill::testing::Has;

AuditQuery AuditQueryOf(const std::string& text) {
  auto q = ParseAuditQuery(text);
  REQUIRE(q.ok());
  return *q;
}

std::string ErrorOf(const std::string& text) {
  auto q = ParseAuditQuery(text);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().code == ErrorCode::kInvalidInput);
  return q.error().message;
}

}  // namespace

TEST_CASE("audit query reads UTC days with an inclusive end and a service", "[console]") {
  const AuditQuery q = AuditQueryOf("from=2027-01-01&to=2027-03-31&service=check+out&other=x");
  CHECK(q.from == At("2027-01-01T00:00:00Z"));
  CHECK(q.to == At("2027-03-31T00:00:00Z"));
  CHECK(q.from_text == "2027-01-01");
  CHECK(q.to_text == "2027-03-31");
  CHECK(q.service == "check out");
  const AuditPeriod p = AuditPeriodOf(q);
  CHECK(p.from == At("2027-01-01T00:00:00Z"));
  CHECK(p.to == At("2027-04-01T00:00:00Z"));  // the whole last day is in
  CHECK(AuditQueryString(q) == "from=2027-01-01&to=2027-03-31&service=check%20out");

  // Absent and empty (as an empty form field sends it) are the same: no bound.
  for (const char* none : {"", "?", "from=&to=&service="}) {
    const AuditQuery all = AuditQueryOf(none);
    CHECK_FALSE(all.from);
    CHECK_FALSE(all.to);
    CHECK(all.service.empty());
    CHECK_FALSE(AuditPeriodOf(all).from);
    CHECK_FALSE(AuditPeriodOf(all).to);
    CHECK(AuditQueryString(all).empty());
  }
  CHECK(AuditQueryOf("?to=2028-02-29").to == At("2028-02-29T00:00:00Z"));
  CHECK(AuditQueryOf("from=2027-05-05&to=2027-05-05").from == AuditQueryOf("to=2027-05-05").to);
}

TEST_CASE("audit query errors name the parameter and its value", "[console]") {
  CHECK_THAT(ErrorOf("from=2027-13-01"), Catch::StartsWith("from: \"2027-13-01\""));
  CHECK_THAT(ErrorOf("from=2027-02-30"), Catch::StartsWith("from: \"2027-02-30\""));
  CHECK_THAT(ErrorOf("to=yesterday"), Catch::StartsWith("to: \"yesterday\""));
  CHECK_THAT(ErrorOf("to=2027-1-1"), Catch::StartsWith("to: \"2027-1-1\""));
  CHECK_THAT(ErrorOf("to=1969-12-31"), Catch::StartsWith("to: \"1969-12-31\""));
  CHECK_THAT(ErrorOf("from=2027-02-01&to=2027-01-31"),
             Catch::Contains("to: \"2027-01-31\" is before from \"2027-02-01\""));
  CHECK_THAT(ErrorOf("service=" + std::string(300, 'x')), Catch::StartsWith("service: \"xxx"));
  CHECK_THAT(ErrorOf("service=" + std::string(300, 'x')), Catch::Contains("256 bytes"));
  CHECK_THAT(ErrorOf("from=%zz"), Catch::Contains("malformed"));
  // A hostile value is quoted shortened, never whole.
  CHECK(ErrorOf("from=" + std::string(100'000, 'y')).size() < 200);
}

TEST_CASE("FilterAudit keeps only the rows and quarters of the service", "[console]") {
  const AuditReport all = Report();
  REQUIRE(all.rows.size() == 4);
  const AuditReport checkout = FilterAudit(all, "checkout");
  REQUIRE(checkout.rows.size() == 3);
  for (const AuditRow& r : checkout.rows) CHECK(r.service == "checkout");
  REQUIRE(checkout.services.size() == 1);
  CHECK(checkout.services[0].service == "checkout");
  CHECK(checkout.not_drilled.empty());
  CHECK(checkout.period.to == all.period.to);
  const AuditReport search = FilterAudit(all, "search");
  CHECK(search.rows.empty());
  CHECK(search.services.empty());
  CHECK(search.not_drilled == std::vector<std::string>{"search"});
  CHECK(FilterAudit(all, "").rows.size() == 4);
  CHECK(FilterAudit(all, "nope").rows.empty());
}

TEST_CASE("audit page shows the runs with every check and verdict in words", "[console]") {
  const AuditQuery q = AuditQueryOf("from=2027-01-01&to=2027-03-31");
  const std::string html =
      AuditHtml(kAuditViewer, Report(), q, "The event chain of the whole record verifies.", true);
  CHECK(html.rfind("<h1>Audit</h1>", 0) == 0);
  CHECK(Has(html,
            "Period: runs whose window starts from 2027-01-01 to 2027-03-31 included "
            "(UTC days). 4 run(s) of 2 service(s), 4 of them drills"));
  CHECK(Has(html,
            "<p class=\"ok\" id=\"verification\"><strong>Records verified:</strong> The "
            "event chain of the whole record verifies.</p>"));
  // The good run: announced, briefed, in its window, restored, TTR met.
  CHECK(Has(html,
            "<tr><td><a href=\"/console/runs/checkout-1\">checkout-1</a><br><span "
            "class=\"muted\">checkout-drill</span></td><td>checkout</td>"
            "<td>2027-02-01 08:00</td>"
            "<td class=\"ok\">met: announced 3d ahead (lead 72h)</td>"
            "<td class=\"ok\">recorded: briefed by ic@example.com</td>"
            "<td class=\"ok\">yes</td>"
            "<td class=\"ok\">yes: 2 of 2 restored and verified</td>"
            "<td>recovered-by-team</td>"
            "<td class=\"verdict-met\">3m: met (objective 5m)</td>"
            "<td class=\"verdict-missed\">not reached: missed (objective 5m)</td>"
            "<td class=\"verdict-met\">12m: met (objective 15m)</td><td>no</td></tr>"));
  CHECK(Has(html, "<td class=\"verdict-missed\">30m: missed (objective 15m)</td>"));
  CHECK(Has(html, "<td>none (auto-restored at window end)</td><td class=\"ok\">yes</td></tr>"));
  // The bad run: every failed check said.
  CHECK(Has(html, "<td class=\"bad\">late: announced 1h ahead, less than the lead 72h</td>"));
  CHECK(Has(html, "<td>not recorded</td>"));
  CHECK(Has(html, "<td class=\"bad\">no: fault db-kill restored 30m after the window end</td>"));
  CHECK(Has(html, "<td class=\"bad\">NO: not restored: db-kill</td>"));
  CHECK(Has(html, "<td class=\"verdict-missed\">not reached: missed (objective 5m)</td>"));
  // Per service and quarter, and the service never drilled.
  CHECK(Has(html,
            "<td>2027-Q1</td><td>3</td><td>3</td><td>3m / 3m (n=3)</td><td>—</td>"
            "<td>21m / 30m (n=2)</td><td>1 of 3 (33%)</td></tr>"));
  CHECK(Has(html,
            "<a href=\"/console/audit?from=2027-01-01&amp;to=2027-03-31&amp;"
            "service=payments\">payments</a>"));
  CHECK(Has(html,
            "<section id=\"not-drilled\"><h2>Services not drilled in the period</h2>\n"
            "<p class=\"bad\">1 service(s) of the drills table had no drill:</p>"
            "<ul><li>search</li></ul>"));
  CHECK(Has(html, "<li>Every fault restored and verified: 3 of 4 drills</li>"));
  CHECK(Has(html, "<li>TTR missed or not reached against an objective: 2 of 4 drills</li>"));
  CHECK(Has(html, "<dt>Restored and verified</dt>"));
}

TEST_CASE("audit page keeps the filters in the form and the export links", "[console]") {
  const AuditQuery q = AuditQueryOf("from=2027-01-01&to=2027-03-31&service=check+out");
  const std::string html =
      AuditHtml(kAuditViewer, FilterAudit(Report(), q.service), q, "chain broken at seq 7", false);
  CHECK(Has(html, "<form class=\"filters\" method=\"get\" action=\"/console/audit\""));
  CHECK(Has(html, "name=\"from\" value=\"2027-01-01\""));
  CHECK(Has(html, "name=\"to\" value=\"2027-03-31\""));
  CHECK(Has(html, "name=\"service\" value=\"check out\""));
  const std::string filters = "from=2027-01-01&amp;to=2027-03-31&amp;service=check%20out";
  CHECK(Has(html, "href=\"/console/audit.csv?table=runs&amp;" + filters + "\""));
  CHECK(Has(html, "href=\"/console/audit.csv?table=services&amp;" + filters + "\""));
  CHECK(Has(html, "href=\"/console/audit.json?" + filters + "\""));
  CHECK(Has(html, "href=\"/console/audit.md?" + filters + "\""));
  CHECK(Has(html, "; service check out. 0 run(s)"));
  CHECK(Has(html,
            "<p class=\"bad\" id=\"verification\"><strong>Records NOT verified:</strong> "
            "chain broken at seq 7</p>"));
  CHECK(Has(html, "<p>No runs in the period.</p>"));
  // Without filters the links carry none.
  const std::string plain = AuditHtml(kAuditViewer, Report(), AuditQueryOf(""), "ok", true);
  CHECK(Has(plain, "href=\"/console/audit.csv?table=runs\""));
  CHECK(Has(plain, "href=\"/console/audit.json\""));
  CHECK(Has(plain, "Period: every run in the records."));
}

TEST_CASE("audit page shows the latest runs only past its limit", "[console]") {
  std::vector<AuditRow> rows;
  for (int i = 0; i < 1500; ++i) {
    rows.push_back(Row("checkout", "2027-02-01", 12min, fmt::format("run-{:04}", i)));
  }
  const std::string html =
      AuditHtml(kAuditViewer, BuildAudit(rows, {}, {}), AuditQueryOf(""), "ok", true);
  CHECK(Count(html, "<a href=\"/console/runs/") == kMaxAuditRowsShown);
  CHECK(Has(html, "The 1000 latest runs of 1500 are shown"));
  CHECK_FALSE(Has(html, "run-0499<"));
  CHECK(Has(html, "run-0500<"));
  CHECK(Has(html, "run-1499<"));
}

TEST_CASE("audit page renders hostile records and filters inert and short", "[console]") {
  const std::string& hostile = testing::kHostileText;
  const std::string huge = testing::HugeHostileText();
  AuditRow r = Row(huge, "2027-02-01", 12min, testing::kHostileRunId);
  r.drill_id = huge;
  r.announced_detail = huge;
  r.briefed_detail = huge;
  r.window_respected = "no";
  r.window_detail = huge;
  r.faults_not_restored = {huge, huge};
  r.all_restored_verified = false;
  AuditRow r2 = Row(hostile, "2027-02-02", 12min, huge);
  const AuditQuery q = AuditQueryOf("service=" + FormEncode(hostile));
  const std::string html =
      AuditHtml(kAuditViewer, BuildAudit({r, r2}, {huge, hostile}, {}), q, huge, false);
  testing::CheckHostilePageInertAndShort(html);
  CHECK(Has(html, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img"));
  CHECK(Has(html, "service=%3Cscript%3Ealert%281%29"));
}

TEST_CASE("audit page of recorded runs loaded for a period", "[console]") {
  testing::TempDir tmp;
  testing::RecordRunIn(tmp.path(), "team-recovered");
  testing::RecordRunIn(tmp.path(), "auto-restored");
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  const AuditQuery june = AuditQueryOf("from=2027-06-01&to=2027-06-01");
  auto report = LoadAudit(*db, tmp.path(), AuditPeriodOf(june));
  REQUIRE(report.ok());
  CHECK(report->rows.size() == 2);
  const std::string html = AuditHtml(kAuditViewer, *report, june, "verifies", true);
  CHECK(Has(html, "<a href=\"/console/runs/" + testing::RecordedRunId("team-recovered") + "\">"));
  CHECK(Has(html, "<a href=\"/console/runs/" + testing::RecordedRunId("auto-restored") + "\">"));
  CHECK(Has(html, "<td>none (auto-restored at window end)</td>"));
  // The day before holds none of them.
  auto before = LoadAudit(*db, tmp.path(), AuditPeriodOf(AuditQueryOf("to=2027-05-31")));
  REQUIRE(before.ok());
  CHECK(before->rows.empty());
}

}  // namespace firedrill
