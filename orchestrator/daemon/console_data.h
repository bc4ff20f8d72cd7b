// What the console's pages show, read from the records: the loaders that turn the store's tables
// into the typed facts the pure page functions (orchestrator/console/) render.
#pragma once

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/console/calendar_page.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Reads what the calendar shows in [from, to), from one read snapshot: the scheduled and running
/// drills' windows that overlap it (repeating windows expanded with UpcomingWindows, the
/// occurrences after the schedule's current one being "scheduled"), with each window's announce-by
/// deadline and the briefing in words ("required, not recorded", "not required; recorded by NAME at
/// TIME"); the declared blackouts that overlap it; the freeze that holds, if it overlaps it; and
/// the runs whose span overlaps it (the runs table, with the outcome recorded there; only a run
/// ended without a known outcome has its own events read). A run still going on ends at `now` and
/// is left out when its drill's schedule is running (that window is shown). A schedule whose drill
/// text no longer loads (a plugin kind not installed) is shown with its current window only, its
/// names from the drills table. Read-only. Fails with the store's error.
Expected<CalendarData> LoadCalendar(Database& db, SysTime from, SysTime to, SysTime now);

}  // namespace firedrill
