#include "orchestrator/report/audit_junit.h"

#include <fmt/format.h>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

// One test case: passed (no failure and not skipped), failed with `failure`, or skipped with
// `skipped`.
struct Case {
  std::string name;
  std::string failure;
  std::string skipped;
  double seconds = 0;
};

std::string Measured(const std::optional<Duration>& d) {
  return d ? FormatDuration(*d) : std::string("not reached");
}

double Seconds(const std::optional<Duration>& d) {
  return d ? static_cast<double>(d->count()) / 1000.0 : 0.0;
}

// Why no objective can be judged for the whole run, or "".
std::string NotJudged(const AuditRow& r) {
  switch (r.outcome) {
    case RunOutcome::kInProgress:
      return "the run is still in progress";
    case RunOutcome::kRefused:
      return "the run was refused at preflight: nothing was injected";
    case RunOutcome::kNotInjected:
      return "the run ended before any fault was in place";
    default:
      return "";
  }
}

std::vector<Case> CasesOf(const AuditRow& r) {
  std::vector<Case> cases;
  const std::string not_judged = NotJudged(r);
  Case detected;
  detected.name = r.detect_objective ? "detected within " + FormatDuration(*r.detect_objective)
                                     : std::string("detected within the objective");
  std::optional<Duration> ttd = r.ttd_human;
  if (r.ttd_alert && (!ttd || *r.ttd_alert < *ttd)) ttd = r.ttd_alert;
  detected.seconds = Seconds(ttd);
  if (!not_judged.empty()) {
    detected.skipped = not_judged;
  } else if (!r.detect_objective) {
    detected.skipped = "the drill sets no detect_within objective";
  } else if (r.ttd_human_verdict != Verdict::kMet && r.ttd_alert_verdict != Verdict::kMet) {
    detected.failure = fmt::format("detect_within {} missed: TTD (human) {}, TTD (alert) {}",
                                   FormatDuration(*r.detect_objective), Measured(r.ttd_human),
                                   Measured(r.ttd_alert));
  }
  cases.push_back(detected);

  Case recovered;
  recovered.name = r.recover_objective ? "recovered within " + FormatDuration(*r.recover_objective)
                                       : std::string("recovered within the objective");
  recovered.seconds = Seconds(r.ttr);
  if (!not_judged.empty()) {
    recovered.skipped = not_judged;
  } else if (!r.recover_objective) {
    recovered.skipped = "the drill sets no recover_within objective";
  } else if (r.ttr_verdict != Verdict::kMet) {
    recovered.failure =
        fmt::format("recover_within {} missed: TTR {} (recovered by: {})",
                    FormatDuration(*r.recover_objective), Measured(r.ttr), r.recovered_by);
  }
  cases.push_back(recovered);

  Case restored;
  restored.name = "every fault restored and verified";
  if (!not_judged.empty() && r.faults_injected == 0) {
    restored.skipped = not_judged;
  } else if (r.faults_injected == 0 && r.faults_not_restored.empty()) {
    restored.skipped = "no fault was injected";
  } else if (!r.all_restored_verified) {
    std::string not_restored;
    for (const std::string& f : r.faults_not_restored) {
      not_restored += (not_restored.empty() ? "" : ", ") + f;
    }
    restored.failure =
        fmt::format("{} of {} fault(s) restored and verified, {} restored without verification{}",
                    r.faults_restored_verified, r.faults_injected, r.faults_restored_unverified,
                    not_restored.empty() ? "" : "; NOT restored: " + not_restored);
  }
  cases.push_back(restored);
  return cases;
}

// "2027-06-01T08:00:00": the xs:dateTime JUnit readers take, in UTC without a zone suffix.
std::string Timestamp(SysTime t) {
  std::string utc = FormatUtc(t);  // 2027-06-01T08:00:00.000Z
  return utc.substr(0, 19);
}

}  // namespace

std::string AuditJunit(const std::vector<AuditRow>& rows) {
  std::string suites;
  int tests = 0;
  int failures = 0;
  int skipped = 0;
  for (const AuditRow& r : rows) {
    const std::vector<Case> cases = CasesOf(r);
    int suite_failures = 0;
    int suite_skipped = 0;
    std::string body;
    for (const Case& c : cases) {
      body += fmt::format(R"(    <testcase classname="{}" name="{}" time="{:.3f}")",
                          Escape("firedrill." + r.service + "." + r.drill_id), Escape(c.name),
                          c.seconds);
      if (!c.failure.empty()) {
        ++suite_failures;
        body += fmt::format(
            ">\n      <failure message=\"{}\" type=\"objective-missed\">{}</failure>\n"
            "    </testcase>\n",
            Escape(c.failure), Escape(c.failure));
      } else if (!c.skipped.empty()) {
        ++suite_skipped;
        body +=
            fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", Escape(c.skipped));
      } else {
        body += "/>\n";
      }
    }
    const double window =
        r.window_start && r.window_end
            ? static_cast<double>((*r.window_end - *r.window_start).count()) / 1000.0
            : 0.0;
    suites += fmt::format(
        R"(  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="{:.3f}")",
        Escape(r.drill_id + " " + r.run_id), cases.size(), suite_failures, suite_skipped, window);
    if (r.window_start) suites += fmt::format(R"( timestamp="{}")", Timestamp(*r.window_start));
    suites += ">\n    <properties>\n";
    auto property = [&](const std::string& name, const std::string& value) {
      suites +=
          fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", Escape(name), Escape(value));
    };
    property("drill", r.drill_id);
    property("run", r.run_id);
    property("service", r.service);
    property("outcome", OutcomeName(r.outcome));
    property("recovered_by", r.recovered_by);
    if (r.window_start) property("window_start", FormatUtc(*r.window_start));
    if (r.window_end) property("window_end", FormatUtc(*r.window_end));
    suites += "    </properties>\n" + body + "  </testsuite>\n";
    tests += static_cast<int>(cases.size());
    failures += suite_failures;
    skipped += suite_skipped;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"firedrill\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n"
      "{}</testsuites>\n",
      tests, failures, skipped, suites);
}

}  // namespace firedrill
