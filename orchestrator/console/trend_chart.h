// The trend chart of the services page: one metric of one service over a run of quarters, a
// median bar and a p90 bar per quarter against the objective, as server-rendered SVG in which
// every mark says itself in words (<title>). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/duration.h"
#include "orchestrator/report/audit.h"

namespace firedrill {

/// One quarter's figures in a trend chart.
struct TrendPoint {
  int quarter = 0;  ///< quarters since year 0: year * 4 + (Q - 1), so 2027-Q2 is 8109
  const Spread* spread = nullptr;     ///< median and p90; none (or without them): "no measurement"
  std::optional<Duration> objective;  ///< drawn as a dashed line across the quarter
  std::string verdict;                ///< the figures against the objective, in words
};

/// Returns one metric (`metric`, e.g. "TTR") of `service` per quarter over quarters [first, last]
/// (first <= last) as <svg class="trend">: a median bar and a p90 bar per quarter of `points`
/// (a quarter without figures is marked "none"), the objective as a dashed line, each with a
/// title saying it in words. The scale runs from 0 to a round value at or above the largest p90
/// or objective and a tenth (at least 1s). `id` is the title's element id; `table_id` names the
/// table that holds the same figures (aria-describedby). `metric`, `service` (shortened to 200
/// bytes) and each verdict are escaped; `id` and `table_id` are the caller's own and written as
/// they are.
std::string TrendSvg(std::string_view metric, std::string_view service, int first, int last,
                     const std::vector<TrendPoint>& points, std::string_view id,
                     std::string_view table_id);

}  // namespace firedrill
