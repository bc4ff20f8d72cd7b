// Events with their kind and payload typed: how writers make an event from a payload struct, and
// how readers get one back. Every reader of the records (run facts, postmortem, audit, records
// commands, metrics, notices) reads events through DecodeEvent; nothing looks into payload text.
#pragma once

#include <boost/json/serialize.hpp>
#include <cassert>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "orchestrator/store/event_kind.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/event_payloads.h"

namespace firedrill {

/// The payload of any event, decoded: the struct its kind carries (event_payloads.h), or nothing
/// (std::monostate) for a kind that carries none this version reads, an unknown kind, or a
/// payload that could not be read.
using EventPayload =
    std::variant<std::monostate, RunStarted, WheelSpun, Announced, AnnounceOverridden, Briefed,
                 Waiting, PreflightPassed, PreflightRefused, TargetConnected, DeadmanArmed,
                 DeadmanDisarm, T0, FaultInjected, InjectFailed, PartialInjection, Warning, Active,
                 ProbeChange, Recovered, AckPayload, AlertDetected, GuardTripped, AbortRequested,
                 Aborted, InternalError, RestoreStarted, FaultRestored, RunEnded, Scheduled,
                 Cancelled, NotRun, BlackoutAdded, NoticeSent, FreezeUpdate, TokenChange>;

/// One recorded event, its kind and payload decoded. Points at the Event it was decoded from,
/// which must outlive it.
struct TypedEvent {
  const Event* event = nullptr;
  EventKind kind = EventKind::kUnknown;  ///< kUnknown: see event->kind for its name
  std::string run;                       ///< the payload's "run"; "" when it has none
  EventPayload payload;
  /// Why the payload could not be read ("member \"fault\" is not text"); "" when it could. The
  /// payload is then std::monostate: readers skip the event's facts but still show the event.
  std::string problem;

  /// The payload as P, or nullptr when it is not one (another kind, or unreadable).
  template <typename P>
  const P* As() const {
    return std::get_if<P>(&payload);
  }
  /// Returns the payload as P, or P's defaults when the payload could not be read (its kind
  /// still counts: an unreadable `run-ended` still ends the run).
  template <typename P>
  const P& PayloadOr() const {
    static const P kEmpty{};
    const P* p = As<P>();
    return p != nullptr ? *p : kEmpty;
  }
};

/// Decodes `e`: its kind, its run and its payload, the text parsed once. Never fails; see
/// TypedEvent::problem. Thread-safe.
TypedEvent DecodeEvent(const Event& e);

/// Decodes every event of `events`, in order; the results point into `events`.
std::vector<TypedEvent> DecodeEvents(std::span<const Event> events);

/// Returns the top-level "run" member of a payload text when it is a string, else "" (also for
/// text that is not a JSON object). Reads the text with a JSON parser, stopping at "run", and
/// allocates only the result.
std::string PayloadRunId(std::string_view payload_json);

/// Returns the event of kind `kind` carrying `payload`, to append (EventLog::Append). `kind` must
/// be one of P::kKinds: a payload under another kind is a bug (asserted). `ts` defaults to now.
template <EventPayloadStruct P>
NewEvent MakeEvent(std::string drill_id, EventKind kind, std::string actor, const P& payload,
                   std::optional<SysTime> ts = std::nullopt) {
  assert(Carries<P>(kind) && "this payload struct is not the one of this event kind");
  return NewEvent{std::move(drill_id), std::string(KindName(kind)), std::move(actor),
                  boost::json::serialize(ToPayload(payload)), ts};
}

/// Appends MakeEvent(drill_id, kind, actor, payload) to the event log of `db`
/// (EventLog::Append's contract).
template <EventPayloadStruct P>
Expected<Event> AppendTyped(Database& db, std::string drill_id, EventKind kind, std::string actor,
                            const P& payload) {
  return EventLog(db).Append(MakeEvent(std::move(drill_id), kind, std::move(actor), payload));
}

}  // namespace firedrill
