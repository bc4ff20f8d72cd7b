// The postmortem's Markdown as HTML: the constructs firedrill writes become elements, everything
// else stays text, and hostile text stays inert.
#include "orchestrator/console/markdown_view.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace firedrill {

TEST_CASE("the postmortem's headings tables lists quotes and inline marks become HTML",
          "[markdown]") {
  std::string html = MarkdownHtml(
      "# Postmortem: x\n\n> Blameless by design.\n\n| | |\n|---|---|\n| Drill | `d-1` |\n"
      "| Note | a \\| b |\n\n## Summary\n\n**Hypothesis:** pages _for the team to complete._\n"
      "two lines\n\n- one\n- <https://wiki.example.com/x>\n");
  CHECK_THAT(html, Catch::Contains("<h2>Postmortem: x</h2>"));
  CHECK_THAT(html, Catch::Contains("<blockquote>Blameless by design. </blockquote>"));
  CHECK_THAT(html, Catch::Contains("<tr><th></th><th></th></tr><tr><td>Drill</td><td><code>d-1"
                                   "</code></td></tr><tr><td>Note</td><td>a | b</td></tr>"));
  CHECK_THAT(html, Catch::Contains("<h3>Summary</h3>"));
  CHECK_THAT(html, Catch::Contains("<p><strong>Hypothesis:</strong> pages <em>for the team to "
                                   "complete.</em> two lines</p>"));
  CHECK_THAT(html, Catch::Contains("<ul><li>one</li><li><a href=\"https://wiki.example.com/x\">"
                                   "https://wiki.example.com/x</a></li></ul>"));
}

TEST_CASE("hostile text in a postmortem stays text", "[markdown]") {
  std::string html = MarkdownHtml(
      "# <script>alert(1)</script>\n\n| <img src=x onerror=alert(2)> | `<b>` |\n|---|---|\n\n"
      "<javascript:alert(3)> **<i>x</i>** \u202E\n\n- [link](javascript:alert(4))\n");
  CHECK_THAT(html, !Catch::Contains("<script") && !Catch::Contains("<img") &&
                       !Catch::Contains("<b>") && !Catch::Contains("<i>") &&
                       !Catch::Contains("href=\"javascript") && !Catch::Contains("\u202E"));
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(html, Catch::Contains("&lt;javascript:alert(3)&gt;"));
}

TEST_CASE("a golden postmortem renders every table row", "[markdown]") {
  std::ifstream in(std::string(FIREDRILL_REPORT_GOLDEN_DIR) + "/team-recovered.md");
  REQUIRE(in);
  std::stringstream md;
  md << in.rdbuf();
  std::string text = md.str();
  std::string html = MarkdownHtml(text);
  std::size_t rows = 0;
  std::size_t separators = 0;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (l.starts_with("|")) (l.find("|---") == 0 ? separators : rows) += 1;
  }
  std::size_t trs = 0;
  for (std::size_t at = html.find("<tr>"); at != std::string::npos;
       at = html.find("<tr>", at + 1)) {
    ++trs;
  }
  CHECK(trs == rows);
  CHECK(separators > 0);
}

}  // namespace firedrill
