// Drill runs as JUnit XML: the verdicts per objective, hostile text, and the document checked by
// a real XML schema validator (xmllint, libxml2-utils) against tests/orchestrator/report/junit.xsd.
#include "orchestrator/report/audit_junit.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "orchestrator/report/run_facts.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

AuditRow RowOf(const std::string& name) {
  return AuditRun(DeriveRunFacts(testing::AsEvents(testing::RecordedRun(name))), false);
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs xmllint on `xml` against junit.xsd; returns its exit status, or -1 when there is no
// xmllint.
int Validate(const std::string& xml) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) return -1;
  testing::TempDir tmp;
  const fs::path file = tmp.path() / "junit.xml";
  std::ofstream(file) << xml;
  const std::string schema = std::string(FIREDRILL_REPORT_GOLDEN_DIR) + "/../junit.xsd";
  const std::string command =
      "xmllint --noout --schema '" + schema + "' '" + file.string() + "' 2>&1";
  return WEXITSTATUS(std::system(command.c_str()));
}

}  // namespace

TEST_CASE("junit: each run a suite, each objective a case, missed objectives failures",
          "[report][junit]") {
  const std::string xml =
      AuditJunit({RowOf("team-recovered"), RowOf("auto-restored"), RowOf("restore-failed")});
  INFO(xml);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0) == 0);
  CHECK(Count(xml, "<testsuite ") == 3);
  CHECK(Count(xml, "<testcase ") == 9);
  // The team recovered in time: detection and recovery pass; one of its two faults was restored
  // without its check verifying it, which fails the third case.
  const auto recovered = xml.find("name=\"checkout-team-recovered ");
  const auto auto_restored = xml.find("name=\"checkout-auto-restored ");
  REQUIRE(recovered != std::string::npos);
  REQUIRE(auto_restored != std::string::npos);
  const std::string first = xml.substr(recovered, auto_restored - recovered);
  CHECK(first.find("failures=\"1\"") != std::string::npos);
  CHECK(Count(first, "<failure") == 1);
  CHECK(first.find("1 of 2 fault(s) restored and verified, 1 restored without verification") !=
        std::string::npos);
  CHECK(first.find("name=\"detected within 5m\" time=\"130.000\"/>") != std::string::npos);
  CHECK(first.find("name=\"detected within 5m\"") != std::string::npos);
  CHECK(first.find("name=\"recovered within 15m\"") != std::string::npos);
  // Auto-restored: recovery missed; a fault left in place: its case fails, naming the fault.
  CHECK(xml.find("recover_within 15m missed") != std::string::npos);
  CHECK(xml.find("NOT restored:") != std::string::npos);
  CHECK(xml.find("<property name=\"outcome\" value=\"auto-restored\"/>") != std::string::npos);
  CHECK(xml.find("timestamp=\"2027-06-01T08:00:00\"") != std::string::npos);
}

TEST_CASE("junit: hostile drill ids and services stay text, and the document is schema-valid",
          "[report][junit]") {
  AuditRow row = RowOf("team-recovered");
  row.drill_id = "<x>\"&'\x01\u202E";
  row.service = "pay</testsuite><testsuite name=\"forged";
  const std::string xml = AuditJunit({row, RowOf("auto-restored"), RowOf("restore-failed")});
  CHECK(xml.find("<x>") == std::string::npos);
  CHECK(xml.find("</testsuite><testsuite name=\"forged") == std::string::npos);
  CHECK(xml.find("&lt;x&gt;&quot;&amp;&#39;\\u0001\\u202E") != std::string::npos);
  const int valid = Validate(xml);
  if (valid < 0) {
    WARN("skipped the schema check: xmllint is not installed (libxml2-utils)");
  } else {
    INFO(xml);
    CHECK(valid == 0);
  }
  // An empty report is a valid document too.
  const int empty = Validate(AuditJunit({}));
  if (empty >= 0) CHECK(empty == 0);
}

}  // namespace firedrill
