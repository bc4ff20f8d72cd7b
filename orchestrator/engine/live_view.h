// What the live status block of `firedrill run` on a terminal shows: a typed view of one run,
// built from the drill's plan and kept up to date by the run's events. Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/drill_plan.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {

/// One fault of the run as the block shows it.
struct LiveFault {
  enum class State { kWaiting, kInPlace, kInjectFailed, kRestored, kRestoreFailed };
  std::string id;
  std::string kind;
  std::string target;
  State state = State::kWaiting;
  std::string note;  ///< why an inject or restore failed; whether a restore was verified
};

/// One probe of the run as the block shows it.
struct LiveProbe {
  enum class State { kNotChecked, kGreen, kRed };
  std::string name;
  std::string target;
  State state = State::kNotChecked;
  std::string reason;            ///< the detail of its last change ("connection refused")
  std::optional<SysTime> since;  ///< when it last changed (unset: since preflight)
  /// Every change, oldest first (the console draws them as a strip); at most kMaxProbeChanges,
  /// the oldest dropped beyond.
  struct Change {
    SysTime at;
    State state = State::kNotChecked;
    std::string reason;
  };
  std::vector<Change> changes;
};

/// The most changes a LiveProbe keeps: a flapping probe must not grow a view without bound.
inline constexpr std::size_t kMaxProbeChanges = 200;

/// A line of what people and monitoring said during the run (acks, alerts, aborts, guards).
struct LiveNote {
  SysTime at;
  std::string text;
};

/// The view-state of one run. Built by MakeLiveView, changed only by ApplyLiveEvent.
struct LiveView {
  std::string drill_id;
  std::string title;
  std::string zone;  ///< the drill's window zone: how times are shown
  std::string run_id;
  /// waiting, preflight, injecting, active, restoring, closed, refused, restore-incomplete.
  std::string phase = "starting";
  SysTime window_start;
  SysTime first_inject_at;  ///< the first fault's planned injection
  SysTime restore_at;       ///< the restore point: faults stay in place until then
  std::optional<SysTime> t0;
  std::optional<Duration> detect_within;
  std::optional<Duration> recover_within;
  bool has_probes = false;
  /// The drill has a wheel of misfortune: what is injected, and when, is not shown before.
  bool wheel = false;
  std::optional<Duration> ttd_human;
  std::string ttd_human_by;
  std::optional<Duration> ttd_alert;
  std::string ttd_alert_from;
  std::optional<Duration> ttr_probes;
  std::optional<Duration> ttr_human;
  std::string ttr_human_by;
  std::optional<std::string> ending_reason;  ///< why the restore began
  std::string outcome;                       ///< set when the run has ended
  std::vector<LiveFault> faults;
  std::vector<LiveProbe> probes;
  std::vector<LiveNote> notes;  ///< in order; the block shows the latest few
  /// True once the run has ended (run-ended, restore-incomplete, refused, aborted before T0).
  bool finished = false;
};

/// Returns the view of a run of `drill` before anything happened: its faults waiting, its probes
/// not checked yet, the times of `plan`. `sealed`: `drill` is a wheel of misfortune's choice,
/// which is not shown: its faults appear once in place, and no injection time is shown.
LiveView MakeLiveView(const Drill& drill, const DrillPlan& plan, bool sealed);

/// Applies the event `kind` recorded at `at` with its typed `payload` (typed_event.h) to `view`.
/// Events the block does not show change nothing.
void ApplyLiveEvent(LiveView& view, SysTime at, EventKind kind, const EventPayload& payload);

/// The duration a run counts as detected (the earlier of the ack and the alert), if any.
std::optional<Duration> LiveTtd(const LiveView& view);
/// The duration a run counts as recovered (the probes when it has probes, else the ack), if any.
std::optional<Duration> LiveTtr(const LiveView& view);

}  // namespace firedrill
