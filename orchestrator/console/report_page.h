// One drill run as a single self-contained HTML file (`firedrill report ID --html FILE`): inline
// CSS and SVG, no script and no request to anywhere (its Content-Security-Policy forbids them),
// so that an auditor can archive it and print it to PDF from a browser. A pure function from the
// run's typed facts to text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

/// What the report of one run shows.
struct RunReport {
  RunFacts facts;
  std::optional<DrillRecord> drill;  ///< the drill's row, when the records hold it
  std::vector<Event> events;         ///< the run's events, in record order
  /// The verification of the record, for people: "the event chain verifies ...", or what is
  /// wrong with it.
  std::string verification;
  bool verified = false;   ///< the verification found nothing wrong
  std::string postmortem;  ///< the postmortem draft (Markdown), shown as text
  SysTime generated;       ///< when the report was made
};

/// Returns the whole HTML document: the drill and its outcome, T0 and the metrics against the
/// objectives (met or missed in words, not colour alone), the timeline as a picture
/// (TimelineSvg), the faults and how each was undone, the participants, every event with its
/// sequence number and the record's verification, and the postmortem draft. Every text from the
/// record goes through Escape; long values are shortened (Shorten).
std::string RunReportHtml(const RunReport& report);

/// Returns what RunReportHtml shows between its head and its footer (the header table and every
/// section), for a page that has its own frame and stylesheet (the console's record page).
std::string RunReportSections(const RunReport& report);

}  // namespace firedrill
