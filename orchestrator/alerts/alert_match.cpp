#include "orchestrator/alerts/alert_match.h"

namespace firedrill {

bool AlertMatches(const Alert& alert, const std::map<std::string, std::string>& match) {
  if (match.empty()) return false;
  for (const auto& [key, value] : match) {
    auto it = alert.labels.find(key);
    if (it == alert.labels.end() || it->second != value) return false;
  }
  return true;
}

std::optional<Alert> FirstMatchingAfter(const std::vector<Alert>& alerts,
                                        const std::map<std::string, std::string>& match,
                                        SysTime t0) {
  const Alert* best = nullptr;
  for (const Alert& a : alerts) {
    if (a.status != "firing" || !a.starts_at || *a.starts_at < t0) continue;
    if (!AlertMatches(a, match)) continue;
    if (best == nullptr || *a.starts_at < *best->starts_at) best = &a;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace firedrill
