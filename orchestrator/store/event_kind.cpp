#include "orchestrator/store/event_kind.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace firedrill {
namespace {

using K = EventKind;

// The one table of names: KindName, ParseKind and AllEventKinds all read it.
constexpr std::pair<EventKind, std::string_view> kNames[] = {
    {K::kRunStarted, "run-started"},
    {K::kWheelSpun, "wheel-spun"},
    {K::kAnnounced, "announced"},
    {K::kAnnounceOverridden, "announce-overridden"},
    {K::kBriefed, "briefed"},
    {K::kWaiting, "waiting"},
    {K::kPreflightPassed, "preflight-passed"},
    {K::kPreflightRefused, "preflight-refused"},
    {K::kTargetConnected, "target-connected"},
    {K::kDeadmanArmed, "deadman-armed"},
    {K::kDeadmanDisarmed, "deadman-disarmed"},
    {K::kDeadmanDisarmFailed, "deadman-disarm-failed"},
    {K::kT0, "t0"},
    {K::kFaultInjected, "fault-injected"},
    {K::kInjectFailed, "inject-failed"},
    {K::kPartialInjection, "partial-injection"},
    {K::kWarning, "warning"},
    {K::kActive, "active"},
    {K::kProbeRed, "probe-red"},
    {K::kProbeGreen, "probe-green"},
    {K::kRecovered, "recovered"},
    {K::kAckDetected, "ack-detected"},
    {K::kAckRecovered, "ack-recovered"},
    {K::kAlertDetected, "alert-detected"},
    {K::kGuardTripped, "guard-tripped"},
    {K::kAbortRequested, "abort-requested"},
    {K::kAborted, "aborted"},
    {K::kInternalError, "internal-error"},
    {K::kRestoreStarted, "restore-started"},
    {K::kFaultRestored, "fault-restored"},
    {K::kRestoreFailed, "restore-failed"},
    {K::kRestoreIncomplete, "restore-incomplete"},
    {K::kRunEnded, "run-ended"},
    {K::kScheduled, "scheduled"},
    {K::kRescheduled, "rescheduled"},
    {K::kCancelled, "cancelled"},
    {K::kVetoed, "vetoed"},
    {K::kNotRun, "not-run"},
    {K::kRunInterrupted, "run-interrupted"},
    {K::kBlackoutAdded, "blackout-added"},
    {K::kNoticeDelivered, "notice-delivered"},
    {K::kNoticeFailed, "notice-failed"},
    {K::kFreezeStarted, "freeze-started"},
    {K::kFreezeHeld, "freeze-held"},
    {K::kFreezeThawing, "freeze-thawing"},
    {K::kFreezeEnded, "freeze-ended"},
    {K::kTokenCreated, "token-created"},
    {K::kTokenRevoked, "token-revoked"},
};
constexpr std::size_t kCount = std::size(kNames);

// The enum's values in table order, for AllEventKinds.
constexpr std::array<EventKind, kCount> Kinds() {
  std::array<EventKind, kCount> out{};
  for (std::size_t i = 0; i < kCount; ++i) out[i] = kNames[i].first;
  return out;
}

constexpr std::array<EventKind, kCount> kKinds = Kinds();

// Every enumerator is in the table, once, in declaration order.
constexpr bool TableComplete() {
  for (std::size_t i = 0; i < kCount; ++i) {
    if (static_cast<std::size_t>(kNames[i].first) != i + 1) return false;
  }
  return static_cast<std::size_t>(K::kTokenRevoked) == kCount;
}
static_assert(TableComplete(), "kNames must list every EventKind once, in declaration order");

// kNames sorted by name, for ParseKind's binary search: every event read goes through it.
constexpr std::array<std::pair<std::string_view, EventKind>, kCount> ByName() {
  std::array<std::pair<std::string_view, EventKind>, kCount> out{};
  for (std::size_t i = 0; i < kCount; ++i) out[i] = {kNames[i].second, kNames[i].first};
  std::sort(out.begin(), out.end());
  return out;
}

constexpr std::array<std::pair<std::string_view, EventKind>, kCount> kByName = ByName();

}  // namespace

std::string_view KindName(EventKind kind) {
  std::size_t i = static_cast<std::size_t>(kind);
  if (i == 0 || i > kCount) return "unknown";
  return kNames[i - 1].second;
}

EventKind ParseKind(std::string_view name) {
  auto it = std::lower_bound(kByName.begin(), kByName.end(), name,
                             [](const auto& entry, std::string_view n) { return entry.first < n; });
  return it != kByName.end() && it->first == name ? it->second : EventKind::kUnknown;
}

std::span<const EventKind> AllEventKinds() { return kKinds; }

}  // namespace firedrill
