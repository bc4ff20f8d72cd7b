// Drill runs as JUnit XML, the test report format CI servers (Jenkins, GitLab) read, so that a
// drill's result shows where the team reads test results: one test suite per run, one test case
// per objective (detected within, recovered within, every fault restored and verified). Pure.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/report/audit.h"

namespace firedrill {

/// Returns a JUnit XML document (<testsuites>) with one <testsuite> per row, named
/// "DRILL RUN", with the run's outcome, service and window as properties, and three test cases:
/// "detected within D" (passes when either TTD met the detect_within objective), "recovered
/// within D" (passes when the TTR that counts met recover_within), "every fault restored and
/// verified". A missed objective is a <failure> saying what was measured; an objective the drill
/// does not set, a run still in progress and a refused run are <skipped> with the reason. Text
/// from the records goes through Escape.
std::string AuditJunit(const std::vector<AuditRow>& rows);

}  // namespace firedrill
