// The alerts the daemon has heard of from the team's monitoring: which are firing now (for the
// preflight veto) and how many webhooks of each source arrived (for /metrics). Bounded: whatever
// monitoring, or a sender holding the alert token, sends, the book holds at most a fixed number of
// alerts per source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/alerts/alert_payload.h"

namespace firedrill {

/// The most firing alerts kept per source (about 1 KB each): far more than a team has firing at
/// once, few enough that an alert storm grows the daemon's memory by a few MB at most.
inline constexpr std::size_t kMaxFiringAlertsPerSource = 5'000;

/// Keeps the latest state of the firing alerts by (source, fingerprint). Loop thread only.
class AlertBook {
 public:
  /// At most `max_firing_per_source` (at least 1) firing alerts are kept per source; `clock`
  /// tells the time against which `ends_at` is compared.
  explicit AlertBook(std::size_t max_firing_per_source = kMaxFiringAlertsPerSource,
                     std::function<SysTime()> clock = NowUtc);

  /// Takes note of `alert`: a firing one is kept (replacing its earlier state) until it resolves
  /// or its `ends_at` passes; a resolved one, or a firing one whose `ends_at` has passed, is
  /// forgotten. Alerts without a fingerprint are not kept (they cannot be resolved later). A new
  /// alert of a source that holds its maximum makes room by dropping the alert of that source
  /// heard of longest ago (counted in dropped()). Also forgets every alert whose `ends_at` has
  /// passed. O(1) on average, plus the expired ones.
  void Note(const Alert& alert);

  /// Returns the alerts firing now (kept, and `ends_at` not passed), in (source, fingerprint)
  /// order.
  std::vector<Alert> Firing() const;

  /// The number of alerts firing now, without copying them.
  std::size_t FiringCount() const;

  /// Counts one webhook request from `source` with result `result` ("accepted", "rejected",
  /// "unauthorized", "too_large").
  void CountDelivery(const std::string& source, const std::string& result);

  /// The webhook counts by (source, result).
  const std::map<std::pair<std::string, std::string>, std::uint64_t>& deliveries() const {
    return deliveries_;
  }

  /// Firing alerts dropped to stay within the maximum, by source (only sources that dropped).
  const std::map<std::string, std::uint64_t>& dropped() const { return dropped_; }

 private:
  using HeardOrder = std::list<const std::string*>;
  using Expiries = std::multimap<SysTime, const std::string*>;

  struct Entry {
    Alert alert;
    HeardOrder::iterator heard;
    Expiries::iterator expiry;  ///< the source's expiries.end() without ends_at
  };
  using Entries = std::unordered_map<std::string, Entry>;  ///< by fingerprint

  // The firing alerts of one source, with the order in which they were last heard of (oldest
  // first) and the order in which their `ends_at` pass; both point at the map's keys, which stay
  // put until their entry is erased.
  struct Source {
    Entries entries;
    HeardOrder heard;
    Expiries expiries;
  };

  void Forget(Source& source, Entries::iterator it);
  void Expire(SysTime now);

  std::size_t max_per_source_;
  std::function<SysTime()> clock_;
  std::map<std::string, Source> sources_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;
  std::map<std::string, std::uint64_t> dropped_;
};

}  // namespace firedrill
