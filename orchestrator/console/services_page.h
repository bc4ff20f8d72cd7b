// The console's services page, the sprint-review dashboard: per service, TTD and TTR across its
// drills per quarter (median and p90 against the objectives, as server-rendered SVG with a table
// beside each picture), the share auto-restored, the error budget the drills consumed, when it
// was last drilled, and which services have gone undrilled. A pure function of the audit report.
#pragma once

#include <string>

#include "orchestrator/console/console_layout.h"
#include "orchestrator/report/audit.h"

namespace firedrill {

/// A service whose last drill started longer ago than this before `now` is listed as undrilled.
inline constexpr Duration kUndrilledAfter = std::chrono::hours(24 * 90);

/// At most this many quarters (the latest) are drawn in a service's trend pictures; its table
/// lists every quarter.
inline constexpr int kTrendQuarters = 12;

/// At most this many services get a section of their own (pictures and per-quarter table); the
/// rest are listed in the overview table only, with a note saying so.
inline constexpr std::size_t kMaxServiceSections = 100;

/// Returns the page's <main> content (the caller wraps it with ConsolePage(viewer, "Services",
/// kNavServices, html)): the undrilled services (never drilled: `report.not_drilled` and services
/// whose runs injected nothing; stale: last drill older than kUndrilledAfter before `now`), an
/// overview table of every service, then per service its TTD (human) and TTR pictures (median
/// and p90 per quarter against the objective, <svg class="trend">) each followed by its table,
/// with the share auto-restored and the error budget consumed, and every verdict in words. The
/// definitions are on the page. Every text from the records is escaped and shortened; `now` is
/// the only clock. Pure; `viewer` does not change what is shown (every role may read it).
std::string ServicesHtml(const ConsoleViewer& viewer, const AuditReport& report, SysTime now);

}  // namespace firedrill
