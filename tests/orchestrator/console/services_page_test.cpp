// The services page: per service, median and p90 per quarter against the objectives, the error
// budget, the last drill and the undrilled services, with hostile names.
#include "orchestrator/console/services_page.h"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>

#include "drills/timestamp.h"
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

// A drill of `service` whose window opens at 08:00 UTC on `day` for an hour, with objectives
// detect 5m and recover 15m: recovered by the team after `ttr`, or auto-restored without one.
AuditRow ServiceRow(const std::string& service, const std::string& day, Duration ttd,
                    std::optional<Duration> ttr, const std::string& run_id) {
  AuditRow r;
  r.run_id = run_id;
  r.drill_id = service + "-drill";
  r.service = service;
  r.window_start = At(day + "T08:00:00Z");
  r.window_end = *r.window_start + 1h;
  r.quarter = QuarterOf(*r.window_start);
  r.faults_injected = 1;
  r.faults_restored_verified = 1;
  r.all_restored_verified = true;
  r.detect_objective = 5min;
  r.recover_objective = 15min;
  r.ttd_human = ttd;
  r.ttd_human_verdict = Judge(ttd, r.detect_objective);
  r.ttr = ttr;
  r.ttr_verdict = Judge(ttr, r.recover_objective);
  r.outcome = ttr ? RunOutcome::kRecoveredByTeam : RunOutcome::kAutoRestored;
  r.recovered_by = ttr ? "team" : "auto-restored";
  return r;
}

// checkout: in 2027-Q2 TTD 1, 2, 3, 4, 10 min and TTR 10, 12, 14, 30 min plus one auto-restored
// (median TTD 3m, p90 10m; median TTR 13m, p90 30m); in 2027-Q3 one drill, TTD 2m, TTR 5m.
// payments: two drills in 2027-Q3 with TTR 40m and 50m (missed). billing: drilled on
// 2027-01-10 only. search: on the drills table, never drilled. refunds: only a refused run.
AuditReport ServicesReport() {
  std::vector<AuditRow> rows;
  const int ttd[] = {1, 2, 3, 4, 10};
  const std::optional<int> ttr[] = {10, 12, 14, 30, std::nullopt};
  for (int i = 0; i < 5; ++i) {
    std::optional<Duration> r;
    if (ttr[i]) r = std::chrono::minutes(*ttr[i]);
    rows.push_back(ServiceRow("checkout", fmt::format("2027-05-0{}", i + 1),
                              std::chrono::minutes(ttd[i]), r, fmt::format("checkout-run-{}", i)));
  }
  rows.push_back(ServiceRow("checkout", "2027-07-01", 2min, 5min, "checkout-run-q3"));
  rows.push_back(ServiceRow("payments", "2027-07-02", 3min, 40min, "payments-run-1"));
  rows.push_back(ServiceRow("payments", "2027-07-03", 4min, 50min, "payments-run-2"));
  rows.push_back(ServiceRow("billing", "2027-01-10", 1min, 3min, "billing-run"));
  AuditRow refused = ServiceRow("refunds", "2027-07-04", 0s, std::nullopt, "refunds-run");
  refused.faults_injected = 0;
  refused.ttd_human.reset();
  refused.outcome = RunOutcome::kRefused;
  rows.push_back(refused);
  return BuildAudit(rows, {"checkout", "payments", "billing", "search"}, {});
}

const ConsoleViewer kViewer{"Ann", Role::kAuditor, "csrf-token"};

using firedrill::testing::Count;
using firedrill::testing::Has;

// The text of the section with id `id`.
std::string Section(const std::string& html, const std::string& id) {
  auto from = html.find("<section id=\"" + id + "\"");
  REQUIRE(from != std::string::npos);
  auto to = html.find("</section>", from);
  REQUIRE(to != std::string::npos);
  return html.substr(from, to - from);
}

}  // namespace

TEST_CASE("services page shows median and p90 per quarter against the objectives", "[console]") {
  const std::string html = ServicesHtml(kViewer, ServicesReport(), At("2027-07-15T12:00:00Z"));
  CHECK(html.rfind("<h1>Services</h1>", 0) == 0);
  // checkout, 2027-Q2: the figures, the objectives and the verdicts in words.
  const std::string checkout = Section(html, "svc-2");
  CHECK(Has(checkout, "<h2>checkout</h2>"));
  CHECK(Has(checkout,
            "<td>2027-Q2</td><td>5 (5)</td><td>3m / 10m (n=5)</td><td>5m</td>"
            "<td class=\"verdict-partial\">partly met: median within, p90 over the "
            "objective</td>"));
  CHECK(Has(checkout, "<td>13m / 30m (n=4)</td><td>15m</td><td class=\"verdict-partial\">"));
  CHECK(Has(checkout, "<td>1 of 5 (20%)</td>"));
  // 2027-Q3: one drill within both objectives.
  CHECK(Has(checkout,
            "<td>2027-Q3</td><td>1 (1)</td><td>2m / 2m (n=1)</td><td>5m</td>"
            "<td class=\"verdict-met\">met: p90 within the objective</td>"));
  // Two pictures, the same figures in their titles, the objective as a line.
  CHECK(Count(checkout, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\"") == 2);
  CHECK(Has(checkout,
            "<title>2027-Q2: median 13m (objective 15m; partly met: median within, "
            "p90 over the objective)</title>"));
  CHECK(Has(checkout, "<title>2027-Q2: p90 30m (objective 15m;"));
  CHECK(Has(checkout, "<line class=\"objective\""));
  CHECK(Has(checkout, "<title>2027-Q3: objective 15m</title>"));
  // Every picture points at its table, which exists.
  CHECK(Has(checkout, "aria-describedby=\"svc-2-table\""));
  CHECK(Has(checkout, "<table id=\"svc-2-table\">"));
  // payments missed its recovery objective at the median.
  const std::string payments = Section(html, "svc-3");
  CHECK(Has(payments,
            "<td>45m / 50m (n=2)</td><td>15m</td><td class=\"verdict-missed\">"
            "missed: median over the objective</td>"));
  // The pictures span the same quarters for every service: 2027-Q1 has no checkout drill.
  CHECK(Has(checkout, "<title>2027-Q1: no measurement</title>none</text>"));
  // The definitions are on the page.
  CHECK(Has(html, "<dt>Error budget consumed</dt>"));
  CHECK(Has(html, "rank ceil(0.9 n)"));
}

TEST_CASE("services page states the error budget consumed per quarter", "[console]") {
  const std::string html = ServicesHtml(kViewer, ServicesReport(), At("2027-07-15T12:00:00Z"));
  // checkout Q2: TTRs 10+12+14+30 = 66m, plus the auto-restored drill's whole hour = 2h6m,
  // against 5 x 15m = 1h15m.
  CHECK(Has(Section(html, "svc-2"), "<td class=\"bad\">2h6m of 1h15m (168%): over budget</td>"));
  CHECK(Has(Section(html, "svc-2"), "<td class=\"ok\">5m of 15m (33%): within budget</td>"));
}

TEST_CASE("services page lists never drilled and stale services with the last drill", "[console]") {
  const std::string html = ServicesHtml(kViewer, ServicesReport(), At("2027-07-15T12:00:00Z"));
  const std::string undrilled = Section(html, "undrilled");
  // On the drills table and never drilled; and a service whose runs never injected.
  CHECK(Has(undrilled, "<li>search</li>"));
  CHECK(Has(undrilled, "<li>refunds — 1 run(s), none injected a fault</li>"));
  // billing: last drilled on 2027-01-10, 186 days before now; linked to its run.
  CHECK(Has(undrilled,
            "<li>billing: last drilled <a href=\"/console/runs/billing-run\">"
            "2027-01-10</a>, 186 days ago</li>"));
  CHECK_FALSE(Has(undrilled, "checkout"));
  CHECK_FALSE(Has(undrilled, "payments"));
  const std::string overview = Section(html, "overview");
  CHECK(Has(overview,
            "<a href=\"/console/runs/checkout-run-q3\">2027-07-01</a></td>"
            "<td class=\"ok\">yes: 14 days ago</td>"));
  CHECK(Has(overview, "<td class=\"bad\">no: last drilled 186 days ago</td>"));
  CHECK(Has(overview, "<td class=\"bad\">no: never drilled</td>"));
  // The same records seen 80 days after the billing drill: not stale then.
  const std::string earlier = ServicesHtml(kViewer, ServicesReport(), At("2027-03-31T00:00:00Z"));
  CHECK_FALSE(Has(Section(earlier, "undrilled"), "billing"));
}

TEST_CASE("services page says so when every service was drilled recently", "[console]") {
  AuditReport r =
      BuildAudit({ServiceRow("checkout", "2027-07-01", 2min, 5min, "run-1")}, {"checkout"}, {});
  const std::string html = ServicesHtml(kViewer, r, At("2027-07-15T00:00:00Z"));
  CHECK(Has(html, "Every service was drilled in the last 90 days."));
  const std::string empty = ServicesHtml(kViewer, BuildAudit({}, {}, {}), At("2027-07-15"));
  CHECK(Has(empty, "0 service(s), 0 drill(s)"));
  CHECK_FALSE(Has(empty, "<svg"));
}

TEST_CASE("services page renders hostile service and run names inert and short", "[console]") {
  const std::string& hostile = testing::kHostileText;
  std::vector<AuditRow> rows;
  rows.push_back(
      ServiceRow(testing::HugeHostileText('A'), "2027-07-01", 2min, 5min, testing::kHostileRunId));
  rows.push_back(ServiceRow(hostile, "2027-01-01", 2min, 5min, testing::HugeHostileText('B')));
  rows.push_back(ServiceRow("plain", "2027-07-01", 2min, 5min, hostile));
  const std::string html =
      ServicesHtml(kViewer, BuildAudit(rows, {hostile, std::string(testing::kHugeLength, 'C')}, {}),
                   At("2027-07-15"));
  // Three megabytes of names make a page of a few tens of kilobytes.
  testing::CheckHostilePageInertAndShort(html);
  CHECK(Has(html, "href=\"/console/runs/%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%3E%3Cimg"));
  CHECK(Has(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img"));
}

TEST_CASE("services page gives sections to the first services only past its limit", "[console]") {
  std::vector<AuditRow> rows;
  for (int i = 0; i < 150; ++i) {
    rows.push_back(
        ServiceRow(fmt::format("svc{:03}", i), "2027-07-01", 2min, 5min, fmt::format("r{}", i)));
  }
  const std::string html = ServicesHtml(kViewer, BuildAudit(rows, {}, {}), At("2027-07-15"));
  CHECK(Count(html, "<section id=\"svc-") == kMaxServiceSections);
  CHECK(Count(html, "<svg ") == 2 * kMaxServiceSections);
  CHECK(Has(html, "50 more service(s) are listed in the overview only"));
  // The overview still lists every service, linking only those with a section.
  CHECK(Has(html, "<tr><td><a href=\"#svc-100\">svc099</a></td>"));
  CHECK(Has(html, "<tr><td>svc149</td>"));
}

TEST_CASE("services page of recorded runs links the last drill to its run", "[console]") {
  testing::TempDir tmp;
  testing::RecordRunIn(tmp.path(), "team-recovered");
  auto db = Database::Open(tmp.path(), OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto report = LoadAudit(*db, tmp.path(), {});
  REQUIRE(report.ok());
  const std::string html = ServicesHtml(kViewer, *report, At("2027-06-20T00:00:00Z"));
  CHECK(Has(html, "<h2>checkout</h2>"));
  CHECK(Has(html, "<a href=\"/console/runs/" + testing::RecordedRunId("team-recovered") +
                      "\">2027-06-01</a>"));
  CHECK(Has(html, "<td class=\"verdict-met\">met: p90 within the objective</td>"));
}

}  // namespace firedrill
