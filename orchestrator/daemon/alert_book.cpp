#include "orchestrator/daemon/alert_book.h"

namespace firedrill {

void AlertBook::Note(const Alert& alert) {
  if (alert.fingerprint.empty()) return;
  auto key = std::make_pair(alert.source, alert.fingerprint);
  if (alert.status == "firing") {
    firing_[key] = alert;
  } else {
    firing_.erase(key);
  }
}

std::vector<Alert> AlertBook::Firing() const {
  std::vector<Alert> out;
  out.reserve(firing_.size());
  for (const auto& [key, alert] : firing_) out.push_back(alert);
  return out;
}

void AlertBook::CountDelivery(const std::string& source, const std::string& result) {
  ++deliveries_[{source, result}];
}

}  // namespace firedrill
