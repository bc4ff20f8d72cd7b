// The alerts the daemon has heard of from the team's monitoring: which are firing now (for the
// preflight veto) and how many webhooks of each source arrived (for /metrics).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/alerts/alert_payload.h"

namespace firedrill {

/// Keeps the latest status of every alert by (source, fingerprint). Loop thread only.
class AlertBook {
 public:
  /// Takes note of `alert`: a firing one is kept (replacing its earlier state), a resolved one
  /// forgotten. Alerts without a fingerprint are not kept (they cannot be resolved later).
  void Note(const Alert& alert);

  /// Returns the alerts firing now, in (source, fingerprint) order.
  std::vector<Alert> Firing() const;

  /// Counts one webhook request from `source` with result `result` ("accepted", "rejected",
  /// "unauthorized").
  void CountDelivery(const std::string& source, const std::string& result);

  /// The webhook counts by (source, result).
  const std::map<std::pair<std::string, std::string>, std::uint64_t>& deliveries() const {
    return deliveries_;
  }

 private:
  std::map<std::pair<std::string, std::string>, Alert> firing_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;
};

}  // namespace firedrill
