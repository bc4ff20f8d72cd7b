// The tamper-evident, append-only event log: every event carries the SHA-256 of the one before.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/chain_verifier.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

/// An event to record.
struct NewEvent {
  std::string drill_id;  ///< may be empty for events not tied to one drill
  std::string kind;      ///< e.g. "fault-injected"; must not be empty
  std::string actor;     ///< who or what caused it, e.g. "orchestrator", "alice@example.com"
  std::string payload_json = "{}";  ///< any valid JSON text; stored and hashed verbatim
  std::optional<SysTime> ts;        ///< defaults to now (UTC, millisecond precision)
};

/// A recorded event.
struct Event {
  std::int64_t seq = 0;  ///< 1, 2, 3, ... in append order, across all drills
  SysTime ts;
  std::string drill_id;
  std::string kind;
  std::string actor;
  std::string payload_json;
  Hash256 prev_hash{};  ///< `hash` of event seq-1; 32 zero bytes for event 1
  Hash256 hash{};       ///< SHA-256 of this event's encoding (event_hash.h)
};

/// How many events one drill has in the log, and the times of its first and last.
struct DrillEventSummary {
  std::int64_t count = 0;
  SysTime first;
  SysTime last;
};

/// Reads and appends events of one Database. Holds a reference to `db`, which must outlive it.
/// Same threading rule as the Database (one thread at a time); other processes and other
/// connections may append concurrently, the chain stays valid because each append takes the
/// write lock before reading the head.
class EventLog {
 public:
  explicit EventLog(Database& db) : db_(db) {}

  /// Appends one event in its own durable transaction (on disk when this returns). Fails without
  /// writing if the payload is not valid JSON or kind/actor is empty, if the database is
  /// read-only, or if it stays locked past the busy timeout. Must not be called while a
  /// transaction is open on the Database.
  Expected<Event> Append(const NewEvent& event);

  /// Appends all `events`, in order, in one transaction: all or none. Same checks as Append (any
  /// bad event fails the whole batch). Returns the seq of the last event appended (or of the
  /// current head when `events` is empty).
  Expected<std::int64_t> AppendBatch(std::span<const NewEvent> events);

  /// Returns, for every drill id in the log, its DrillEventSummary (one grouped query).
  Expected<std::map<std::string, DrillEventSummary>> SummaryByDrill();

  /// Returns the events of one drill, in seq order.
  Expected<std::vector<Event>> ForDrill(std::string_view drill_id);

  /// Calls `visit` for every event in seq order, from one consistent snapshot, until it returns
  /// false. Exceptions from `visit` propagate (the statement is cleaned up).
  Status ForEach(const std::function<bool(const Event&)>& visit);

  /// Like ForEach, from the event after `after` on (every event for 0): what was appended since a
  /// reader last looked. Reads only those rows (seq is the primary key).
  Status ForEachAfter(std::int64_t after, const std::function<bool(const Event&)>& visit);

  /// Walks the whole chain from event 1, from one consistent snapshot, and reports the first
  /// event that is missing, out of place, or altered (see ChainVerifier). Uses one helper
  /// thread for hashing. An Error means the log could not be read, not that it is bad.
  Expected<VerifyReport> Verify();

 private:
  Expected<Sha256*> Hasher();
  Expected<std::int64_t> AppendLocked(std::span<const NewEvent> events, Event* last);

  Database& db_;
  std::optional<Sha256> hasher_;       // created on first use, then reused
  std::vector<unsigned char> buffer_;  // reused encoding buffer
};

}  // namespace firedrill
