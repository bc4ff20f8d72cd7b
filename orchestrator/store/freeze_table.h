// The freezes table: the working state of freezes, which stand every drill of the state directory
// down (a real incident, or `firedrill freeze` by hand). It survives a restart of the daemon; the
// record of each freeze is in the event log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "drills/zoned_time.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// One freeze.
struct FreezeRecord {
  std::int64_t id = 0;  ///< assigned by FreezeTable::Begin
  std::string cause;    ///< "incident" (an alert matched the operator's rule) or "manual"
  std::string reason;   ///< why, as recorded and announced
  std::string by;       ///< who or what started it
  SysTime started;
  /// The incident's alerts still firing, as "source/fingerprint", in order.
  std::vector<std::string> open_alerts;
  /// When it ends by itself (every incident alert resolved, plus the cool-down); unset while an
  /// incident alert fires, and always for a freeze by hand.
  std::optional<SysTime> thaw_at;
};

/// Returns one line saying what `r` is: "frozen since <UTC> by <by> (<cause>): <reason>", plus
/// "; ends at <UTC>" once its thaw time is known.
std::string DescribeFreeze(const FreezeRecord& r);

/// Reads and writes the freezes table of one Database, which must outlive it. Same threading rule
/// as the Database.
class FreezeTable {
 public:
  explicit FreezeTable(Database& db) : db_(db) {}

  /// Stores `r` as a freeze that holds and sets its id. Fails on an unknown cause or an empty
  /// reason.
  Status Begin(FreezeRecord& r);

  /// Stores the open alerts and thaw time of the held freeze `r.id`.
  Status Update(const FreezeRecord& r);

  /// Ends the freeze `id` at `at`, by `by`, for `why`. Fails if it is not held.
  Status End(std::int64_t id, SysTime at, const std::string& by, const std::string& why);

  /// Returns the freeze that holds (the latest one, should there be several), if any.
  Expected<std::optional<FreezeRecord>> Current();

  /// Returns how many freezes began, by cause ("incident" and "manual" always present).
  Expected<std::map<std::string, std::uint64_t>> CountsByCause();

 private:
  Database& db_;
};

}  // namespace firedrill
