// The daemon's /metrics in the Prometheus text exposition format (version 0.0.4). Pure rendering.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drills/duration.h"
#include "orchestrator/control/control_stats.h"

namespace firedrill {

/// The latest measured times of one service's last drill.
struct ServiceTimes {
  std::optional<Duration> ttd_human;
  std::optional<Duration> ttd_alert;
  std::optional<Duration> ttr;  ///< by the probes, or the team's mark without probes
  bool recovered = false;       ///< false: auto-restored (TTR censored: not exported)
};

/// What /metrics shows.
/// A drill whose window is open now, with a run going (series firedrill_drill_window_open).
struct OpenWindow {
  std::string drill;
  std::string service;
};

/// A fault the ledger says may be in place (series firedrill_fault_in_place).
struct PlacedFault {
  std::string drill;
  std::string service;  ///< "" when the drill is not in the records any more
  std::string fault;
  std::string kind;
  std::string target;
};

struct MetricsSnapshot {
  std::map<std::string, std::uint64_t> drills_by_state;  ///< schedules: scheduled, running, ...
  std::map<std::string, std::uint64_t> runs_by_phase;    ///< running drills by engine phase
  std::uint64_t faults_in_place = 0;                     ///< ledger entries not restored
  std::vector<OpenWindow> open_windows;    ///< drills running whose window is open now
  std::vector<PlacedFault> placed_faults;  ///< the ledger entries not restored, one by one
  std::map<std::string, ServiceTimes> last_by_service;
  std::uint64_t restore_failures = 0;  ///< runs that ended with a restore incomplete
  std::map<std::pair<std::string, std::string>, std::uint64_t> webhook_deliveries;
  std::uint64_t alerts_firing = 0;
  std::map<std::string, std::uint64_t> alerts_dropped;  ///< by source (AlertBook::dropped)
  std::map<std::string, std::uint64_t> notices;         ///< chat notices by result
  ControlStats http;    ///< the API server's connections and answers
  bool frozen = false;  ///< a freeze holds: no drill may inject
  /// Freezes begun, by cause ("incident", "manual"), over the state directory's life.
  std::map<std::string, std::uint64_t> freezes_by_cause;
};

/// Renders `m`: every metric with # HELP and # TYPE, label values escaped (\\, \", \n), the four
/// schedule states always present (0 when none), the three alert sources always present in
/// firedrill_alerts_dropped_total and the three early-close reasons of
/// firedrill_http_connections_closed_early_total, both causes in firedrill_freezes_total,
/// durations in seconds.
std::string RenderMetrics(const MetricsSnapshot& m);

}  // namespace firedrill
