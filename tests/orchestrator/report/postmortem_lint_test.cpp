#include "orchestrator/report/postmortem_lint.h"

#include <catch2/catch.hpp>

#include "orchestrator/report/postmortem.h"

using namespace firedrill;

namespace {

const char kPostmortem[] = R"(# Postmortem: Checkout loses its web process

## Participants

| Name | Role | During the run |
|---|---|---|
| jonas.weber@example.com | incident-commander | acknowledged or requested an abort |
| Alice Ng <alice.ng@example.com> | responder | |

## Detection

> - How would we halve TTD?

The alert fired after 2 minutes. jonas.weber acknowledged it at T0+3m.

## Contributing factors

> - Describe systems and decisions, not people. "Root cause = human error" is where an analysis starts, not where it ends: ask what made each action reasonable at the time.

The dashboard hides the cache hit rate. Jonas had no access to the cache host.
The deploy failed to roll back and the alert should have fired sooner.

## What went wrong

Root cause: human error.
Alice forgot to check the cache.
The on-call engineer failed to escalate.
He should have read the runbook.
A careless restart made it worse; some call it negligence.
)";

std::vector<int> Lines(const std::vector<LintFinding>& findings) {
  std::vector<int> out;
  for (const LintFinding& f : findings) out.push_back(f.line);
  return out;
}

}  // namespace

TEST_CASE("lint reads participants from the postmortem's table", "[report][lint]") {
  CHECK(ParticipantsInPostmortem(kPostmortem) ==
        std::vector<std::string>{"jonas.weber@example.com", "Alice Ng <alice.ng@example.com>"});
  CHECK(ParticipantsInPostmortem("# nothing here\n").empty());
}

TEST_CASE("lint flags blaming phrases with line numbers and a reframing", "[report][lint]") {
  auto findings = LintPostmortem(kPostmortem, ParticipantsInPostmortem(kPostmortem));
  for (const LintFinding& f : findings) UNSCOPED_INFO(FormatFinding("pm.md", f));
  // 20: a participant named under contributing factors; 25-29: the blaming sentences.
  CHECK(Lines(findings) == std::vector<int>{20, 25, 26, 27, 28, 29, 29});
  REQUIRE(findings.size() == 7);
  CHECK(findings[0].phrase == "Jonas");
  CHECK_THAT(findings[0].message, Catch::Contains("participant"));
  CHECK(findings[1].phrase == "human error");
  CHECK(findings[2].phrase == "Alice forgot");
  CHECK(findings[3].phrase == "engineer failed to");
  CHECK(findings[4].phrase == "He should have");
  CHECK(findings[5].phrase == "careless");
  CHECK(findings[6].phrase == "negligence");
  std::string line = FormatFinding("pm.md", findings[1]);
  CHECK_THAT(line, Catch::StartsWith("pm.md:25: "));
  CHECK_THAT(line, Catch::Contains("Suggestion: name the conditions"));
}

TEST_CASE("lint leaves systems, the template's guidance and names outside the factors alone",
          "[report][lint]") {
  auto findings = LintPostmortem(kPostmortem, ParticipantsInPostmortem(kPostmortem));
  for (int line : Lines(findings)) {
    CHECK(line != 12);  // guidance line
    CHECK(line != 14);  // a participant named in the detection section
    CHECK(line != 18);  // the contributing-factors guidance mentions "human error"
    CHECK(line != 21);  // "the deploy failed to", "the alert should have"
  }
  CHECK(LintPostmortem("We forgot nothing? No: the check was missing.\n", {}).size() == 1);
  CHECK(LintPostmortem("The health check failed to detect the hang.\n", {}).empty());
  CHECK(LintPostmortem("Humans erred is not a phrase we use; human errors neither.\n", {}).empty());
  CHECK(LintPostmortem("", {}).empty());
}

TEST_CASE("guidance lines are recognised only exactly as the template writes them",
          "[report][lint]") {
  const TeamSection& factors = TeamSections()[3];
  CHECK(factors.key == "contributing_factors");
  CHECK(IsTemplateGuidance("> - " + factors.questions[1]));
  CHECK(!IsTemplateGuidance("> - " + factors.questions[1] + " Bob did it."));
  CHECK(!IsTemplateGuidance(factors.questions[1]));
}
