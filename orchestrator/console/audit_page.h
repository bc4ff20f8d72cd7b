// The console's audit page: the audit report (report/audit.h) with a period and a service
// filter, the runs table, the per service and quarter table, the services not drilled, the
// verification of the records, and links to the same report as CSV, JSON and Markdown. Pure
// functions: the query text in, the report and HTML out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/console/console_layout.h"
#include "orchestrator/report/audit.h"

namespace firedrill {

/// At most this many runs (the latest) are shown in the page's runs table; the exports hold all.
inline constexpr std::size_t kMaxAuditRowsShown = 1000;

/// The longest service name a query may filter on, in bytes.
inline constexpr std::size_t kMaxServiceFilter = 256;

/// The audit page's filters, as the query string gave them.
struct AuditQuery {
  /// `from`: midnight UTC starting the day named; `to`: midnight UTC starting the day named (the
  /// last day included). Unset when the parameter was absent or empty.
  std::optional<SysTime> from, to;
  std::string from_text, to_text;  ///< "YYYY-MM-DD" as given (validated), or ""
  std::string service;             ///< "" for every service
};

/// Parses `from=YYYY-MM-DD&to=YYYY-MM-DD&service=NAME` (all optional, an empty value is the same
/// as none, other parameters are ignored; dates are UTC days, `to` inclusive, so the period ends
/// at the next midnight). Fails, naming the offending parameter and value (shortened), on a
/// malformed query, a date that is not YYYY-MM-DD or not in the calendar or outside 1970..9999,
/// `to` before `from`, or a service longer than kMaxServiceFilter bytes.
Expected<AuditQuery> ParseAuditQuery(std::string_view query);

/// Returns the period of the query, for LoadAudit: [from, the midnight after `to`).
AuditPeriod AuditPeriodOf(const AuditQuery& query);

/// Returns `report` keeping only the rows, service-quarters and not-drilled entries of `service`
/// (everything when `service` is empty). The period is kept.
AuditReport FilterAudit(AuditReport report, const std::string& service);

/// Returns the query string of `query`'s filters (`from=...&to=...&service=...`, only those set,
/// values FormEncode'd), "" when none is set: what the export links and the page carry on.
std::string AuditQueryString(const AuditQuery& query);

/// Returns the page's <main> content (the caller wraps it with ConsolePage(viewer, "Audit",
/// kNavAudit, html)): the filter form (GET /console/audit, prefilled from `query`), the period
/// and a summary, the records' `verification` (said as `verified` or not, in words), the export
/// links (/console/audit.csv?table=runs|services|not-drilled, /console/audit.json,
/// /console/audit.md, with the same filters), the runs table (at most kMaxAuditRowsShown, the
/// latest, with a note when cut), the per service and quarter table, the services not drilled and
/// the definitions. Every text from the records is escaped and shortened. Pure; `viewer` does not
/// change what is shown.
std::string AuditHtml(const ConsoleViewer& viewer, const AuditReport& report,
                      const AuditQuery& query, std::string_view verification, bool verified);

}  // namespace firedrill
