// Hostile text for the console page tests, and the checks of a page rendered from it.
#include "tests/orchestrator/console/hostile_text.h"

#include <catch2/catch.hpp>

#include "tests/support/test_text.h"

namespace firedrill::testing {

std::string HugeHostileText(char fill) { return kHostileText + std::string(kHugeLength, fill); }

void CheckHostilePageInertAndShort(const std::string& html) {
  CHECK_FALSE(Has(html, "<script"));
  CHECK_FALSE(Has(html, "<img"));
  CHECK_FALSE(Has(html, "\u202E"));
  CHECK(Has(html, "\\u202Eevil"));
  CHECK_FALSE(Has(html, "href=\"javascript:"));
  CHECK(Has(html, "href=\"/console/runs/javascript%3Aalert%281%29\""));
  // Megabytes of record text make a page of tens of kilobytes, the cuts said.
  CHECK(html.size() < 100'000);
  CHECK(Has(html, "bytes)"));
}

}  // namespace firedrill::testing
