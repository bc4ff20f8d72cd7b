// The live page of a drill in the console: where the run is and what comes next (with a
// countdown), each fault and its state per target, each probe as a strip over time, TTD and TTR
// running against the objectives, the alerts and acknowledgements; and the buttons the viewer's
// role allows (Detected and Recovered for a responder, Abort for the lead). Pure.
#pragma once

#include <string>
#include <string_view>

#include "orchestrator/console/console_layout.h"
#include "orchestrator/engine/live_view.h"

namespace firedrill {

/// Returns the inside of the page's live section (`<section id="live">`) for `view` at `now`:
/// what the daemon pushes to open pages (server-sent events) after each event of the run. The
/// same for every viewer: it holds no button.
std::string LiveSectionHtml(const LiveView& view, SysTime now);

/// Returns the page's <main> content: the drill's heading, the live section (marked to follow
/// `events_url` when the run is not finished), `message` (escaped; the answer of the viewer's
/// last action, "" for none), and the forms the viewer may use: Detected and Recovered with a
/// note (responder and lead), Abort with a reason and a confirmation (lead). An auditor gets no
/// form at all. Every form posts to /console/drills/{id}/... and carries the CSRF token.
std::string LivePageHtml(const ConsoleViewer& viewer, const LiveView& view, SysTime now,
                         std::string_view events_url, std::string_view message);

}  // namespace firedrill
