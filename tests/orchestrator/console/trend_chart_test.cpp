// The services page's trend chart: hostile labels, an empty series, one point, and figures over
// the objective.
#include "orchestrator/console/trend_chart.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "tests/support/test_text.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;

constexpr int kQ1of2027 = 2027 * 4;  // quarters since year 0
constexpr int kQ2of2027 = kQ1of2027 + 1;

using firedrill::testing::Count;
using firedrill::testing::Has;

// The number in attribute `attribute` of the first element that starts with `element`.
double Attribute(const std::string& svg, const std::string& element, const std::string& attribute) {
  std::size_t at = svg.find(element);
  REQUIRE(at != std::string::npos);
  std::size_t value = svg.find(" " + attribute + "=\"", at);
  REQUIRE(value != std::string::npos);
  REQUIRE(value < svg.find('>', at));
  return std::strtod(svg.c_str() + value + attribute.size() + 3, nullptr);
}

Spread Figures(Duration median, Duration p90) {
  Spread s;
  s.count = 3;
  s.median = median;
  s.p90 = p90;
  return s;
}

TEST_CASE("the trend chart escapes its metric and service and each verdict", "[console][trend]") {
  const Spread s = Figures(2min, 3min);
  const std::string hostile = "\"><script>alert(1)</script>&";
  std::string svg =
      TrendSvg("<b>TTD</b>", hostile, kQ2of2027, kQ2of2027,
               {{kQ2of2027, &s, 5min, "missed <i>badly</i> & \"late\""}}, "t1", "tbl");
  CHECK_FALSE(Has(svg, "<script>"));
  CHECK_FALSE(Has(svg, "<b>"));
  CHECK_FALSE(Has(svg, "<i>"));
  CHECK(Has(svg, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"));
  CHECK(Has(svg, "&lt;b&gt;TTD&lt;/b&gt; of "));
  CHECK(Count(svg, "missed &lt;i&gt;badly&lt;/i&gt; &amp; &quot;late&quot;") == 2);
  CHECK(Has(svg, "aria-labelledby=\"t1\" aria-describedby=\"tbl\""));
  CHECK(Has(svg, "<title id=\"t1\">"));

  std::string long_name(1000, 'x');
  std::string shortened = TrendSvg("TTR", long_name, kQ2of2027, kQ2of2027, {}, "t2", "tbl");
  CHECK_FALSE(Has(shortened, long_name));
  CHECK(Has(shortened, "(1000 bytes)"));
}

TEST_CASE("the trend chart of an empty series marks every quarter as without a measurement",
          "[console][trend]") {
  std::string svg = TrendSvg("TTR", "checkout", kQ1of2027, kQ1of2027 + 3, {}, "t", "tbl");
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(Count(svg, "class=\"nodata\"") == 4);
  for (const char* q : {"2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"}) {
    CHECK(Has(svg, std::string("<title>") + q + ": no measurement</title>"));
  }
  CHECK_FALSE(Has(svg, "<rect"));
  CHECK_FALSE(Has(svg, "class=\"objective\""));
  // The scale still has a top (a second), and the year is written once, under its first quarter.
  CHECK(Has(svg, "text-anchor=\"end\">1s</text>"));
  CHECK(Count(svg, ">2027</text>") == 1);
}

TEST_CASE("a trend chart of one point draws its median and p90 bars and its objective",
          "[console][trend]") {
  const Spread s = Figures(2min, 3min);
  std::string svg = TrendSvg("TTR", "checkout", kQ2of2027, kQ2of2027,
                             {{kQ2of2027, &s, 5min, "met: p90 within the objective"}}, "t", "tbl");
  CHECK(Count(svg, "<rect class=\"median\"") == 1);
  CHECK(Count(svg, "<rect class=\"p90\"") == 1);
  CHECK(Count(svg, "<line class=\"objective\"") == 1);
  CHECK_FALSE(Has(svg, "class=\"nodata\""));
  CHECK(
      Has(svg, "<title>2027-Q2: median 2m (objective 5m; met: p90 within the objective)</title>"));
  CHECK(Has(svg, "<title>2027-Q2: p90 3m (objective 5m; met: p90 within the objective)</title>"));
  CHECK(Has(svg, "<title>2027-Q2: objective 5m</title>"));
  CHECK(Has(svg, ">Q2</text>"));
  CHECK(Has(svg, ">2027</text>"));
  // Within the objective: both bars end below (at a larger y than) the objective line.
  const double objective = Attribute(svg, "<line class=\"objective\"", "y1");
  CHECK(Attribute(svg, "<rect class=\"median\"", "y") > objective);
  CHECK(Attribute(svg, "<rect class=\"p90\"", "y") > objective);
}

TEST_CASE("figures over the objective stay inside the trend chart above the objective line",
          "[console][trend]") {
  const Spread s = Figures(8min, 10min);
  std::string svg =
      TrendSvg("TTR", "checkout", kQ2of2027, kQ2of2027,
               {{kQ2of2027, &s, 5min, "missed: median over the objective"}}, "t", "tbl");
  // The scale's top is a round value above the largest figure: 10m and a tenth makes 15m.
  CHECK(Has(svg, "text-anchor=\"end\">15m</text>"));
  const double top = 12;  // the plot's top margin
  const double objective = Attribute(svg, "<line class=\"objective\"", "y1");
  const double median = Attribute(svg, "<rect class=\"median\"", "y");
  const double p90 = Attribute(svg, "<rect class=\"p90\"", "y");
  CHECK(p90 >= top);
  CHECK(p90 < median);
  CHECK(median < objective);
  CHECK(Has(svg, "<title>2027-Q2: p90 10m (objective 5m; missed: median over the objective)"));
}

}  // namespace
}  // namespace firedrill
