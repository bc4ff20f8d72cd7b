#include "orchestrator/console/report_page.h"

#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "orchestrator/console/timeline_svg.h"
#include "tests/orchestrator/report/recorded_runs.h"

namespace firedrill {
namespace {

using testing::AsEvents;

RunReport ReportOf(const std::string& name, const std::string& title) {
  RunReport r;
  r.events = AsEvents(testing::RecordedRun(name));
  r.facts = DeriveRunFacts(r.events);
  DrillRecord d;
  d.id = r.facts.drill_id;
  d.title = title;
  d.service = "checkout";
  d.owner = "lead@example.com";
  d.source_file = "checkout.toml";
  r.drill = d;
  r.verified = true;
  r.verification = "The event chain of the whole record verifies.";
  r.postmortem = "# Postmortem\n\n<b>not bold</b>\n";
  return r;
}

}  // namespace

TEST_CASE("the report of a recovered run states the figures, verdicts and timeline", "[console]") {
  const RunReport r = ReportOf("team-recovered", "Checkout loses its database");
  const std::string html = RunReportHtml(r);
  CHECK(html.rfind("<!doctype html>", 0) == 0);
  CHECK(html.find("<h1>Drill checkout-team-recovered: Checkout loses its database</h1>") !=
        std::string::npos);
  CHECK(html.find("recovered-by-team") != std::string::npos);
  // Met or missed is said in words, not by colour alone.
  CHECK(html.find(R"(<td class="verdict-met">met</td>)") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("injected (T0)") != std::string::npos);
  CHECK(html.find("announced window") != std::string::npos);
  CHECK(html.find("restored and verified") != std::string::npos);
  // Every event of the run, by sequence number.
  for (const Event& e : r.events) {
    CHECK(html.find("<td>" + std::to_string(e.seq) + "</td>") != std::string::npos);
  }
  // The postmortem is rendered from its Markdown; HTML in it stays text.
  CHECK(html.find("&lt;b&gt;not bold&lt;/b&gt;") != std::string::npos);
}

TEST_CASE("the report file loads nothing and runs nothing", "[console]") {
  const std::string html = RunReportHtml(ReportOf("auto-restored", "t"));
  CHECK(html.find("default-src 'none'") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  // No URL to fetch: the only http(s) text is the SVG namespace.
  std::string rest = html;
  const std::string ns = "http://www.w3.org/2000/svg";
  for (auto at = rest.find(ns); at != std::string::npos; at = rest.find(ns))
    rest.erase(at, ns.size());
  CHECK_FALSE(std::regex_search(rest, std::regex("(src|href)=")));
}

TEST_CASE("hostile titles, notes and labels render inert and short", "[console]") {
  const std::string hostile =
      "<script>alert(1)</script>\"><img src=x onerror=alert(2)>' onfocus='x javascript:alert(3) "
      "\u202Eevil";
  RunReport r = ReportOf("team-recovered", hostile + std::string(1'000'000, 'A'));
  r.events.back().payload_json = "{\"note\":\"" + hostile + "\"}";
  r.postmortem = hostile;
  const std::string html = RunReportHtml(r);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("\u202E") == std::string::npos);
  CHECK(html.find("\\u202Eevil") != std::string::npos);
  CHECK(html.find("' onfocus") == std::string::npos);
  // The megabyte title is cut, with its size said.
  CHECK(html.size() < 200'000);
  CHECK(html.find("bytes)") != std::string::npos);
}

TEST_CASE("the timeline picture has a band per red probe and says each mark in words",
          "[console]") {
  const RunFacts f = DeriveRunFacts(AsEvents(testing::RecordedRun("team-recovered")));
  REQUIRE_FALSE(f.red_intervals.empty());
  const std::string svg = TimelineSvg(f);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") == svg.size() - 6);
  CHECK(svg.find("probe " + f.red_intervals.front().probe) != std::string::npos);
  CHECK(svg.find(">red</text>") != std::string::npos);
  CHECK(svg.find("<title>") != std::string::npos);
  CHECK(svg.find("recovered (probes green)") != std::string::npos);
  RunFacts none;
  CHECK(TimelineSvg(none).find("no recorded start") != std::string::npos);
}

}  // namespace firedrill
