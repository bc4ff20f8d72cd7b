#include "orchestrator/report/markup.h"

#include <catch2/catch.hpp>
#include <string>

namespace firedrill {

TEST_CASE("Escape makes markup, attribute breakers and bidi controls inert", "[report]") {
  CHECK(Escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;");
  CHECK(Escape("\" onmouseover=\"x") == "&quot; onmouseover=&quot;x");
  CHECK(Escape("' autofocus onfocus='x") == "&#39; autofocus onfocus=&#39;x");
  CHECK(Escape("a & b") == "a &amp; b");
  // A right-to-left override would reorder what follows it on the page: shown, not obeyed.
  CHECK(Escape("abc\u202Egnp.exe") == "abc\\u202Egnp.exe");
  CHECK(Escape("x\u2066y\u2069") == "x\\u2066y\\u2069");
  CHECK(Escape(std::string("nul\0here", 8)) == "nul\\u0000here");
  CHECK(Escape("esc\x1b[31m") == "esc\\u001B[31m");
  CHECK(Escape("line\nnext\ttab") == "line\nnext\ttab");
  // UTF-8 passes; broken UTF-8 becomes U+FFFD, never a stray byte.
  CHECK(Escape("Jørgen ✓") == "Jørgen ✓");
  CHECK(Escape("bad \xC3 byte") == "bad \xEF\xBF\xBD byte");
  CHECK(Escape("overlong \xC0\xBC") == "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(Escape("surrogate \xED\xA0\x80") == "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("only http and https URLs become links", "[report]") {
  CHECK(SafeHref("https://wiki.example.com/runbooks/db") == "https://wiki.example.com/runbooks/db");
  CHECK(SafeHref("HTTP://wiki.example.com/") == "HTTP://wiki.example.com/");
  CHECK(SafeHref("javascript:alert(1)").empty());
  CHECK(SafeHref("JaVaScRiPt:alert(1)").empty());
  CHECK(SafeHref("data:text/html,<script>").empty());
  CHECK(SafeHref("//evil.example.com/x").empty());
  CHECK(SafeHref("https://ok.example.com/a b").empty());
  CHECK(SafeHref("runbook.md").empty());
  CHECK(SafeHref("https://").empty());
}

TEST_CASE("Shorten cuts a megabyte to a line and never splits a character", "[report]") {
  const std::string big(1'000'000, 'x');
  const std::string cut = Shorten(big, 100);
  CHECK(cut.size() < 130);
  CHECK(cut.find("(1000000 bytes)") != std::string::npos);
  CHECK(Shorten("short", 100) == "short");
  // "ø" is two bytes: a cut inside it goes back before it.
  CHECK(Shorten("aøb", 2) == "a… (4 bytes)");
}

TEST_CASE("a Markdown table cell cannot end early or break its row", "[report]") {
  CHECK(MarkdownCell("a | b") == "a \\| b");
  CHECK(MarkdownCell("line\r\nnext") == "line  next");
  CHECK(MarkdownCell("plain") == "plain");
}

}  // namespace firedrill
