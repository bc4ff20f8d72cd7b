// The kinds of event firedrill records, as an enum: one name per kind, the same names the records
// have always held (the hash chain covers them, so a name never changes).
#pragma once

#include <span>
#include <string_view>

namespace firedrill {

/// Every kind of event this version records or reads. A kind read from the records that this
/// version does not know is kUnknown; its name stays in the Event, so it is still shown.
enum class EventKind {
  kUnknown,
  // A drill run (the engine, the restorer, whoever closes an interrupted run).
  kRunStarted,
  kWheelSpun,
  kAnnounced,
  kAnnounceOverridden,
  kBriefed,  ///< also recorded by `firedrill brief`, outside any run
  kWaiting,
  kPreflightPassed,
  kPreflightRefused,
  kTargetConnected,
  kDeadmanArmed,
  kDeadmanDisarmed,
  kDeadmanDisarmFailed,
  kT0,
  kFaultInjected,
  kInjectFailed,
  kPartialInjection,
  kWarning,
  kActive,
  kProbeRed,
  kProbeGreen,
  kRecovered,
  kAckDetected,
  kAckRecovered,
  kAlertDetected,
  kGuardTripped,
  kAbortRequested,
  kAborted,
  kInternalError,
  kRestoreStarted,
  kFaultRestored,
  kRestoreFailed,
  kRestoreIncomplete,
  kRunEnded,
  // Schedules, blackouts and notices (the daemon and the CLI).
  kScheduled,
  kRescheduled,
  kCancelled,
  kVetoed,
  kNotRun,
  kRunInterrupted,  ///< read only: older daemons closed interrupted runs with it
  kBlackoutAdded,
  kNoticeDelivered,
  kNoticeFailed,
  // Incident freezes (the daemon).
  kFreezeStarted,
  kFreezeHeld,
  kFreezeThawing,
  kFreezeEnded,
  // API tokens (`firedrill token`).
  kTokenCreated,
  kTokenRevoked,
};

/// Returns the recorded name of `kind` ("fault-injected", ...); "unknown" for kUnknown (never
/// recorded: an unknown kind keeps its own name in the Event).
std::string_view KindName(EventKind kind);

/// Returns the kind named `name`, or kUnknown for a name this version does not know.
EventKind ParseKind(std::string_view name);

/// Every known kind (kUnknown excluded), in declaration order.
std::span<const EventKind> AllEventKinds();

}  // namespace firedrill
