#include "orchestrator/daemon/alert_book.h"

#include <algorithm>

namespace firedrill {

AlertBook::AlertBook(std::size_t max_firing_per_source, std::function<SysTime()> clock)
    : max_per_source_(std::max<std::size_t>(max_firing_per_source, 1)), clock_(std::move(clock)) {}

void AlertBook::Forget(Source& source, Entries::iterator it) {
  source.heard.erase(it->second.heard);
  if (it->second.expiry != source.expiries.end()) source.expiries.erase(it->second.expiry);
  source.entries.erase(it);
}

void AlertBook::Expire(SysTime now) {
  for (auto& [name, source] : sources_) {
    while (!source.expiries.empty() && source.expiries.begin()->first <= now) {
      Forget(source, source.entries.find(*source.expiries.begin()->second));
    }
  }
}

void AlertBook::Note(const Alert& alert) {
  SysTime now = clock_();
  Expire(now);
  if (alert.fingerprint.empty()) return;
  bool firing = alert.status == "firing" && (!alert.ends_at || *alert.ends_at > now);
  auto known = sources_.find(alert.source);
  if (!firing) {
    if (known == sources_.end()) return;
    auto it = known->second.entries.find(alert.fingerprint);
    if (it != known->second.entries.end()) Forget(known->second, it);
    return;
  }
  Source& source = known != sources_.end() ? known->second : sources_[alert.source];
  auto it = source.entries.find(alert.fingerprint);
  if (it == source.entries.end()) {
    if (source.entries.size() >= max_per_source_) {
      // The alert heard of longest ago goes: monitoring re-sends the alerts still firing
      // (Alertmanager every repeat_interval), a stale one is never re-sent.
      Forget(source, source.entries.find(*source.heard.front()));
      ++dropped_[alert.source];
    }
    it = source.entries.emplace(alert.fingerprint, Entry{alert, {}, source.expiries.end()}).first;
    it->second.heard = source.heard.insert(source.heard.end(), &it->first);
  } else {
    it->second.alert = alert;
    source.heard.splice(source.heard.end(), source.heard, it->second.heard);
    if (it->second.expiry != source.expiries.end()) {
      source.expiries.erase(it->second.expiry);
      it->second.expiry = source.expiries.end();
    }
  }
  if (alert.ends_at) it->second.expiry = source.expiries.emplace(*alert.ends_at, &it->first);
}

std::vector<Alert> AlertBook::Firing() const {
  SysTime now = clock_();
  std::vector<Alert> out;
  for (const auto& [name, source] : sources_) {
    std::size_t first = out.size();
    for (const auto& [fingerprint, entry] : source.entries) {
      if (!entry.alert.ends_at || *entry.alert.ends_at > now) out.push_back(entry.alert);
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const Alert& a, const Alert& b) { return a.fingerprint < b.fingerprint; });
  }
  return out;
}

std::size_t AlertBook::FiringCount() const {
  SysTime now = clock_();
  std::size_t n = 0;
  for (const auto& [name, source] : sources_) {
    n += source.entries.size();
    // Those whose end passed since the last Note are still in the book, first in expiry order.
    for (auto e = source.expiries.begin(); e != source.expiries.end() && e->first <= now; ++e) --n;
  }
  return n;
}

void AlertBook::CountDelivery(const std::string& source, const std::string& result) {
  ++deliveries_[{source, result}];
}

}  // namespace firedrill
