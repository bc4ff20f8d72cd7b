// A drill's moments as Grafana annotations (`POST /api/annotations`), so that "a drill was
// running here" shows on the dashboards a team already watches: one at T0 (the first fault in
// place) and one when the restore starts.
#pragma once

#include <string>

#include "drills/drill.h"
#include "drills/zoned_time.h"

namespace firedrill {

/// Which moment of a run an annotation marks.
enum class AnnotationMoment {
  kInjected,  ///< T0: the first fault is in place
  kRestore,   ///< the restore starts (window end, abort, guard trip)
};

/// Returns the JSON body of Grafana's annotation API for `moment` of `drill`, which happened at
/// `at`: {"time": epoch milliseconds, "tags": ["firedrill", "drill:<id>", "service:<service>",
/// "injected"|"restore"], "text": one line saying what happened, the run, and `detail` (a restore
/// reason) when not empty}. No dashboardUID: an organisation-wide annotation, shown on every
/// dashboard whose annotation query asks for the "firedrill" tag.
std::string GrafanaAnnotationJson(const Drill& drill, AnnotationMoment moment, SysTime at,
                                  const std::string& run, const std::string& detail = "");

}  // namespace firedrill
