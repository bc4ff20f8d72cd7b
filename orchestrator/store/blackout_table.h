// The blackouts table: periods in which no drill of the state directory may run, declared with
// `firedrill blackout add` (a release freeze, a holiday). Blackouts written in a drill file apply
// to that drill only and live in the file.
#pragma once

#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Reads and writes the blackouts table of one Database, which must outlive it. Same threading
/// rule as the Database.
class BlackoutTable {
 public:
  explicit BlackoutTable(Database& db) : db_(db) {}

  /// Stores blackout `b` declared by `by`. Fails on an empty name or an end not after the start.
  Status Add(const Blackout& b, const std::string& by);

  /// Returns the blackouts that end after `now`, ordered by start.
  Expected<std::vector<Blackout>> Current(SysTime now);

 private:
  Database& db_;
};

}  // namespace firedrill
