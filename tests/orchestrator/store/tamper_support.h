// What the tamper tests do to a copy of the records, the way someone with write access to the
// state directory could: SQL through a plain SQLite connection with the append-only triggers
// dropped, and a rewrite of the events that recomputes every hash after the edit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/store/event_log.h"

namespace firedrill::testing {

/// Returns events `first`..`last` of the tamper tests' records: kind "step", actor
/// "orchestrator", drill "drill-a" for odd and "drill-b" for even numbers, payload
/// {"step":N} and time N seconds after the Unix epoch.
std::vector<NewEvent> StepEvents(int first, int last);

/// Runs `sql` on `state_dir`/firedrill.db through a plain SQLite connection after dropping the
/// triggers that refuse UPDATE and DELETE on events and checkpoints. Fails the test on an error.
void TamperSql(const std::filesystem::path& state_dir, const std::string& sql);

/// Returns the SQL that gives event `seq` of `state_dir`'s log the payload `payload` and
/// recomputes the prev_hash and hash of it and of every event after it, as a forger who knows the
/// encoding would: the chain is consistent again. `payload` must not contain a single quote.
std::string RewriteEventsSql(const std::filesystem::path& state_dir, std::int64_t seq,
                             const std::string& payload);

}  // namespace firedrill::testing
