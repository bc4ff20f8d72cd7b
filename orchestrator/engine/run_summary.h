// What a finished run measured, against the drill's objectives, printed at the end of a run (the
// postmortem is orchestrator/report's). Pure: no I/O, no clocks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

/// The timings of one run. Offsets are from T0 (the first fault in place), monotonic.
struct RunTimings {
  std::optional<SysTime> t0;          ///< wall-clock time of T0 (UTC)
  std::optional<Duration> ttd_human;  ///< first `ack detected`
  std::optional<Duration> ttr_probe;  ///< every probe green again after red
  std::optional<Duration> ttr_human;  ///< `ack recovered`
  bool auto_restored = false;         ///< the team did not recover within the window
  std::string end_reason;             ///< "restore point reached", "SIGTERM received", ...
  std::vector<std::string> acks;      ///< "detected by alice at ...: note", in order
  std::optional<Duration> ttd_alert;  ///< first matching alert from the team's monitoring
};

/// Returns "met (3s ≤ 5m)", "missed (7m > 5m)", "no objective", or "not reached" for a
/// missing measurement.
std::string ObjectiveVerdict(const std::optional<Duration>& measured,
                             const std::optional<Duration>& objective);

/// Returns the plain-text summary printed at the end of a run: TTD and TTR against the
/// objectives, and who recovered (the team, or firedrill's auto-restore). A TTR the team did
/// not reach is "not recovered within the window", never a number.
std::string SummaryText(const Drill& drill, const RunTimings& t);

}  // namespace firedrill
