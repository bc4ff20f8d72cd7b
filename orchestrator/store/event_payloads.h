// The payload of each kind of event, as a struct: what writers build and readers get back. Each
// struct converts to and from JSON with Boost.JSON (`value_from`, `value_to`, `try_value_to`)
// through tag_invoke, with the member names the records have always had, in the order the
// writers have always written them, so that a payload written from a struct is byte for byte what
// the earlier hand-built objects were (the hash chain covers the text; old events are never
// rewritten, and readers keep reading them).
//
// Reads are tolerant: a missing member (or a JSON null) is the member's default, and members this
// version does not know are ignored. A member of the wrong type (text where a number belongs, a
// time that is not a UTC time) makes the whole payload unreadable: ReadPayload returns an Error,
// try_value_to an error code, and readers skip the event's facts (the timeline still shows it).
//
// Every struct lists the kinds that carry it in `kKinds`. Writers of a run's events leave `run`
// empty when the engine's RunRecorder adds it (it appends "run" last); the restorer and whoever
// closes an interrupted run set it.
#pragma once

#include <boost/json/conversion.hpp>
#include <boost/json/object.hpp>
#include <boost/json/system_error.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/drill_facts.h"
#include "orchestrator/store/event_kind.h"

namespace firedrill {

// --- A run, in the order its events come -------------------------------------------------------

/// `run-started`: the drill as the run loaded it.
struct RunStarted {
  static constexpr EventKind kKinds[] = {EventKind::kRunStarted};
  std::string file{};    ///< the drill file's path, for people
  std::string source{};  ///< the drill file's whole text: the record stands on its own
  /// What the audit reads of the drill, unparsed (since drill facts exist). Written when set. A
  /// malformed "drill_facts" member reads as absent, not as an unreadable payload: the reader
  /// falls back to the text.
  std::optional<DrillFacts> drill_facts{};
  std::optional<SysTime> window_start{};
  std::optional<SysTime> window_end{};
  std::string run{};

  bool operator==(const RunStarted&) const = default;
};

/// `wheel-spun`: the wheel of misfortune's choice, sealed in the record.
struct WheelSpun {
  static constexpr EventKind kKinds[] = {EventKind::kWheelSpun};
  std::string seed{};  ///< decimal text: a 64-bit seed does not fit every JSON reader's numbers
  std::vector<std::string> faults{};
  std::int64_t offset_ms = 0;
  std::string run{};

  bool operator==(const WheelSpun&) const = default;
};

/// `announced`: when the drill was announced, copied into the run.
struct Announced {
  static constexpr EventKind kKinds[] = {EventKind::kAnnounced};
  std::optional<SysTime> at{};  ///< the announcement's time (readers fall back to the event's)
  std::string channel{};        ///< written when not empty (older records only)
  std::string run{};

  bool operator==(const Announced&) const = default;
};

/// `announce-overridden`: the announcement lead was overridden, and why.
struct AnnounceOverridden {
  static constexpr EventKind kKinds[] = {EventKind::kAnnounceOverridden};
  std::string reason{};
  std::string detail{};  ///< how late the announcement was
  std::string run{};

  bool operator==(const AnnounceOverridden&) const = default;
};

/// `briefed`: by `firedrill brief` (a note, no run), or copied into a run (when, and the run).
/// The event's actor is who gave the briefing.
struct Briefed {
  static constexpr EventKind kKinds[] = {EventKind::kBriefed};
  std::optional<SysTime> at{};        ///< written when set
  std::optional<std::string> note{};  ///< written when set (even empty)
  std::string run{};

  bool operator==(const Briefed&) const = default;
};

/// `waiting`: the run waits for its window.
struct Waiting {
  static constexpr EventKind kKinds[] = {EventKind::kWaiting};
  std::optional<SysTime> inject_at{};
  std::string run{};

  bool operator==(const Waiting&) const = default;
};

/// `preflight-passed`.
struct PreflightPassed {
  static constexpr EventKind kKinds[] = {EventKind::kPreflightPassed};
  std::int64_t probes = 0;
  std::int64_t faults = 0;
  std::string run{};

  bool operator==(const PreflightPassed&) const = default;
};

/// `preflight-refused`: nothing was injected, for these reasons.
struct PreflightRefused {
  static constexpr EventKind kKinds[] = {EventKind::kPreflightRefused};
  std::vector<std::string> reasons{};
  std::string run{};

  bool operator==(const PreflightRefused&) const = default;
};

/// `target-connected`: a remote target reached at preflight, and its host key.
struct TargetConnected {
  static constexpr EventKind kKinds[] = {EventKind::kTargetConnected};
  std::string target{};
  std::string via{};
  std::string host_key{};
  bool host_key_recorded = false;
  std::string run{};

  bool operator==(const TargetConnected&) const = default;
};

/// `deadman-armed`: a remote switch that restores the fault by itself at `fires_at`.
struct DeadmanArmed {
  static constexpr EventKind kKinds[] = {EventKind::kDeadmanArmed};
  std::string fault{};
  std::string target{};
  std::optional<SysTime> fires_at{};
  std::string name{};
  std::string run{};

  bool operator==(const DeadmanArmed&) const = default;
};

/// `deadman-disarmed`, `deadman-disarm-failed`. The engine writes {fault, target} or {fault,
/// error}; a restore outside the run (restorer.h) writes the shape of FaultRestored. Optional
/// members are written when set, in the order declared.
struct DeadmanDisarm {
  static constexpr EventKind kKinds[] = {EventKind::kDeadmanDisarmed,
                                         EventKind::kDeadmanDisarmFailed};
  std::string fault{};
  std::optional<std::string> kind{};
  std::optional<std::string> target{};
  std::optional<std::string> error{};
  std::string run{};  ///< written when not empty
  std::optional<bool> verified{};
  std::optional<std::string> message{};
  std::optional<std::string> ledger_status{};

  bool operator==(const DeadmanDisarm&) const = default;
};

/// `t0`: the first fault is in place; every TTD and TTR is measured from `at`.
struct T0 {
  static constexpr EventKind kKinds[] = {EventKind::kT0};
  std::optional<SysTime> at{};  ///< readers fall back to the event's time
  std::string fault{};
  std::string target{};
  std::string run{};

  bool operator==(const T0&) const = default;
};

/// `fault-injected`: a fault verified in place.
struct FaultInjected {
  static constexpr EventKind kKinds[] = {EventKind::kFaultInjected};
  std::string fault{};
  std::string kind{};
  std::string target{};
  std::string run{};

  bool operator==(const FaultInjected&) const = default;
};

/// `inject-failed`.
struct InjectFailed {
  static constexpr EventKind kKinds[] = {EventKind::kInjectFailed};
  std::string fault{};
  std::optional<std::string> target{};  ///< written when set
  std::string error{};
  std::string run{};

  bool operator==(const InjectFailed&) const = default;
};

/// `partial-injection`: a fault fanned out over several targets went in on some only.
struct PartialInjection {
  static constexpr EventKind kKinds[] = {EventKind::kPartialInjection};
  std::string fault{};  ///< the fan-out group
  std::vector<std::string> injected{};
  std::vector<std::string> failed{};
  std::string policy{};  ///< "rollback" or "continue"
  std::string run{};

  bool operator==(const PartialInjection&) const = default;
};

/// `warning`: something about a fault worth knowing that did not stop the run.
struct Warning {
  static constexpr EventKind kKinds[] = {EventKind::kWarning};
  std::string fault{};
  std::string error{};
  std::string run{};

  bool operator==(const Warning&) const = default;
};

/// `active`: every fault is in place until `restore_at`.
struct Active {
  static constexpr EventKind kKinds[] = {EventKind::kActive};
  std::optional<SysTime> restore_at{};
  std::string run{};

  bool operator==(const Active&) const = default;
};

/// `probe-red`, `probe-green`.
struct ProbeChange {
  static constexpr EventKind kKinds[] = {EventKind::kProbeRed, EventKind::kProbeGreen};
  std::string probe{};
  std::string detail{};
  std::string run{};

  bool operator==(const ProbeChange&) const = default;
};

/// `recovered`: every probe that went red is green again.
struct Recovered {
  static constexpr EventKind kKinds[] = {EventKind::kRecovered};
  std::string by{};                      ///< "probes"
  std::optional<std::int64_t> ttr_ms{};  ///< readers fall back to the event's time - T0
  std::string run{};

  bool operator==(const Recovered&) const = default;
};

/// `ack-detected`, `ack-recovered`: a person's acknowledgement. The actor is the person too.
struct AckPayload {
  static constexpr EventKind kKinds[] = {EventKind::kAckDetected, EventKind::kAckRecovered};
  std::string by{};
  std::string note{};
  std::optional<std::int64_t> since_t0_ms{};  ///< readers fall back to the event's time - T0
  bool first = false;                         ///< the first of its kind in the run
  /// The name as the person typed it, when it was matched to a listed participant ("alice" for
  /// alice@example.com); written when set.
  std::optional<std::string> by_as_given{};
  std::string run{};

  bool operator==(const AckPayload&) const = default;
};

/// `alert-detected`: a matching alert after injection began.
struct AlertDetected {
  static constexpr EventKind kKinds[] = {EventKind::kAlertDetected};
  std::string source{};
  std::string fingerprint{};
  std::string summary{};
  std::optional<SysTime> starts_at{};
  std::optional<std::int64_t> since_t0_ms{};
  std::string run{};

  bool operator==(const AlertDetected&) const = default;
};

/// `guard-tripped`. A probe guard names its probe, a command guard its command, an alert guard
/// the alert's fingerprint; each written when set.
struct GuardTripped {
  static constexpr EventKind kKinds[] = {EventKind::kGuardTripped};
  std::string guard{};
  std::string reason{};
  std::optional<std::string> probe{};
  std::optional<std::string> command{};
  std::optional<std::string> fingerprint{};
  std::string run{};

  bool operator==(const GuardTripped&) const = default;
};

/// `abort-requested`: by a person (the actor too).
struct AbortRequested {
  static constexpr EventKind kKinds[] = {EventKind::kAbortRequested};
  std::string by{};
  std::string reason{};
  std::string run{};

  bool operator==(const AbortRequested&) const = default;
};

/// `aborted`: ended while waiting for the window, before anything was injected.
struct Aborted {
  static constexpr EventKind kKinds[] = {EventKind::kAborted};
  std::string reason{};
  std::string run{};

  bool operator==(const Aborted&) const = default;
};

/// `internal-error`: a bug met during the run; the run ends like an abort.
struct InternalError {
  static constexpr EventKind kKinds[] = {EventKind::kInternalError};
  std::string where{};
  std::string error{};
  std::string phase{};
  std::string run{};

  bool operator==(const InternalError&) const = default;
};

/// `restore-started`, and why.
struct RestoreStarted {
  static constexpr EventKind kKinds[] = {EventKind::kRestoreStarted};
  std::string reason{};
  std::string run{};

  bool operator==(const RestoreStarted&) const = default;
};

/// `fault-restored`, `restore-failed`: one restore attempt of one ledger entry. The one shape
/// every restoring path records ("run" comes after "target", as it always has).
struct FaultRestored {
  static constexpr EventKind kKinds[] = {EventKind::kFaultRestored, EventKind::kRestoreFailed};
  std::string fault{};
  std::string kind{};
  std::string target{};
  std::string run{};
  bool verified = false;  ///< the kind's check confirmed the fault gone
  std::string message{};
  /// What the ledger said when the restore began ("injecting": the run died while the fault's
  /// inject had begun). Written when set; older records have none.
  std::optional<std::string> ledger_status{};
  std::optional<std::int64_t> attempt{};     ///< restore-failed in a run: which attempt
  std::optional<SysTime> next_attempt_at{};  ///< restore-failed in a run: when the next one is due

  bool operator==(const FaultRestored&) const = default;
};

/// A fault still in place when a run ended (`remaining` of `restore-incomplete`).
struct RemainingFault {
  std::string fault{};
  std::string error{};
  std::string undo{};  ///< what a person can run to undo it by hand

  bool operator==(const RemainingFault&) const = default;
};

/// A fault restored when an interrupted run was closed (`restored` of its ending).
struct RestoredFault {
  std::string fault{};
  std::string target{};
  bool verified = false;
  std::string message{};

  bool operator==(const RestoredFault&) const = default;
};

/// `run-ended`, `restore-incomplete`: how the run ended. Two shapes, told apart by `closed_by`:
/// - closed by its own process (closed_by empty): [remaining], outcome, outcome_text,
///   recovered_by_team, auto_restored, t0, ttd_human_ms, ttd_alert_ms, ttr_ms, ttr_team_ms (the
///   times null when not measured), run when set;
/// - an interrupted run closed by whoever restored its faults: run, outcome ("interrupted"),
///   closed_by, restored, [remaining].
/// `remaining` is written when not empty. Older records may carry other members (ignored).
struct RunEnded {
  static constexpr EventKind kKinds[] = {EventKind::kRunEnded, EventKind::kRestoreIncomplete};
  std::vector<RemainingFault> remaining{};
  std::string outcome{};  ///< OutcomeName (report/run_facts.h); older records: a sentence
  std::string outcome_text{};
  std::optional<bool> recovered_by_team{};
  std::optional<bool> auto_restored{};
  std::optional<SysTime> t0{};
  std::optional<std::int64_t> ttd_human_ms{};
  std::optional<std::int64_t> ttd_alert_ms{};
  std::optional<std::int64_t> ttr_ms{};
  std::optional<std::int64_t> ttr_team_ms{};
  std::string closed_by{};  ///< who closed an interrupted run ("recover", "serve", ...)
  std::vector<RestoredFault> restored{};
  std::string run{};

  bool operator==(const RunEnded&) const = default;
};

// --- Schedules, blackouts, notices, tokens -----------------------------------------------------

/// `scheduled`, `rescheduled`. The actor is who scheduled it.
struct Scheduled {
  static constexpr EventKind kKinds[] = {EventKind::kScheduled, EventKind::kRescheduled};
  std::string file{};
  std::string sha256{};  ///< of the drill text
  std::int64_t sequence = 0;
  std::optional<SysTime> window_start{};
  std::optional<SysTime> window_end{};
  std::vector<std::string> targets{};  ///< target keys
  std::string invite{};                ///< the invite's file name, "" without one
  std::string lead_override{};         ///< written when not empty

  bool operator==(const Scheduled&) const = default;
};

/// `cancelled`.
struct Cancelled {
  static constexpr EventKind kKinds[] = {EventKind::kCancelled};
  std::string reason{};
  std::int64_t sequence = 0;
  std::string invite{};

  bool operator==(const Cancelled&) const = default;
};

/// `vetoed`, `not-run`: an occurrence of a schedule that was not run.
struct NotRun {
  static constexpr EventKind kKinds[] = {EventKind::kVetoed, EventKind::kNotRun};
  std::optional<std::string> blackout{};  ///< vetoed: the blackout; written when set
  std::string reason{};
  std::optional<SysTime> window_start{};

  bool operator==(const NotRun&) const = default;
};

/// `blackout-added`.
struct BlackoutAdded {
  static constexpr EventKind kKinds[] = {EventKind::kBlackoutAdded};
  std::string name{};
  std::optional<SysTime> start{};
  std::optional<SysTime> end{};

  bool operator==(const BlackoutAdded&) const = default;
};

/// `notice-delivered`, `notice-failed`: one outgoing delivery: a chat or webhook notice, a
/// Grafana annotation, a postmortem published to Confluence, an action item filed in Jira.
struct NoticeSent {
  static constexpr EventKind kKinds[] = {EventKind::kNoticeDelivered, EventKind::kNoticeFailed};
  /// which notice (NoticeEventName), or "annotation-injected", "annotation-restore",
  /// "postmortem-published", "action-item-filed"
  std::string event{};
  std::string channel{};  ///< "chat", "webhook", "grafana", "confluence" or "jira"
  std::string target{};   ///< the URL, redacted; a published page's or filed issue's address
  std::int64_t attempts = 0;
  std::int64_t status = 0;             ///< the last HTTP status, 0 without one
  std::optional<std::string> error{};  ///< notice-failed: written when set

  bool operator==(const NoticeSent&) const = default;
};

/// `freeze-started`, `freeze-held`, `freeze-thawing`, `freeze-ended`: an incident freeze (no
/// drill runs while it lasts) and its changes. The actor is who or what caused the change.
/// Optional members are written when set, in the order declared; each kind writes its own:
/// started {freeze, cause, reason, drills_stopped[, alert, labels, rule]}, held {freeze, alert,
/// reason} or {freeze, alert, resolved, open_alerts}, thawing {freeze, alert, thaw_at,
/// cooldown_ms}, ended {freeze, cause, reason, open_alerts, lasted_ms}.
struct FreezeUpdate {
  static constexpr EventKind kKinds[] = {EventKind::kFreezeStarted, EventKind::kFreezeHeld,
                                         EventKind::kFreezeThawing, EventKind::kFreezeEnded};
  std::int64_t freeze = 0;             ///< the freeze's id
  std::optional<std::string> cause{};  ///< "incident" or "manual"
  std::optional<std::string> reason{};
  std::optional<std::int64_t> drills_stopped{};
  std::optional<std::string> alert{};                          ///< the incident alert's key
  std::optional<std::map<std::string, std::string>> labels{};  ///< the alert's labels
  std::optional<std::map<std::string, std::string>> rule{};    ///< the incident rule's match
  std::optional<bool> resolved{};  ///< held: one of the incident's alerts resolved
  std::optional<SysTime> thaw_at{};
  std::optional<std::int64_t> cooldown_ms{};
  std::optional<std::vector<std::string>> open_alerts{};
  std::optional<std::int64_t> lasted_ms{};

  bool operator==(const FreezeUpdate&) const = default;
};

/// `token-created`, `token-revoked`: what the audit trail keeps of a token (never the token).
struct TokenChange {
  static constexpr EventKind kKinds[] = {EventKind::kTokenCreated, EventKind::kTokenRevoked};
  std::string id{};
  std::string role{};
  std::string name{};

  bool operator==(const TokenChange&) const = default;
};

// --- Conversions --------------------------------------------------------------------------------

/// True for the payload structs above.
template <typename P>
concept EventPayloadStruct = requires {
  P::kKinds;
};

/// Writes `p` as its JSON object (value_from). Defined for every payload struct.
template <EventPayloadStruct P>
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const P& p);

/// Reads a payload (try_value_to / value_to): an error code when `v` is not an object or a member
/// has the wrong type. Defined for every payload struct.
template <EventPayloadStruct P>
boost::json::result<P> tag_invoke(const boost::json::try_value_to_tag<P>&,
                                  const boost::json::value& v);

/// Reads a payload like try_value_to, with an Error (code kInvalidInput) that names the member
/// that could not be read.
template <EventPayloadStruct P>
Expected<P> ReadPayload(const boost::json::value& v);

/// Returns `p` as the JSON object the records hold: what Record(kind, object, text) takes.
template <EventPayloadStruct P>
boost::json::object ToPayload(const P& p) {
  boost::json::value v;
  tag_invoke(boost::json::value_from_tag{}, v, p);
  return std::move(v.as_object());
}

/// Returns true iff `kind` carries payload P (is in P::kKinds).
template <EventPayloadStruct P>
constexpr bool Carries(EventKind kind) {
  for (EventKind k : P::kKinds) {
    if (k == kind) return true;
  }
  return false;
}

}  // namespace firedrill
