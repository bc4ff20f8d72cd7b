// The notices of a freeze: every drill is stood down (a real incident, or by hand), the freeze
// will end after its cool-down, the freeze is over. Sent to every chat and webhook target the
// operator configured, whatever each drill's channels (everyone must hear that drills stopped).
// Pure rendering: no I/O, no clock. Delivery is webhook_sender.h's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "drills/zoned_time.h"

namespace firedrill {

/// The moment of a freeze a notice tells of.
enum class FreezeNoticeEvent {
  kStarted,  ///< every drill is stood down
  kThawing,  ///< the incident's alerts resolved: the freeze ends at `thaw_at`
  kEnded,    ///< drills may run again
};

/// Returns the wire name of `event`: "freeze-started", "freeze-thawing" or "freeze-ended", the
/// same as the event recorded. Never changes: receivers route on it.
std::string_view FreezeNoticeEventName(FreezeNoticeEvent event);

/// Everything a freeze notice says.
struct FreezeNoticeFacts {
  FreezeNoticeEvent event = FreezeNoticeEvent::kStarted;
  std::string cause;               ///< "incident" or "manual"
  std::string reason;              ///< why the freeze began (or, for kEnded, why it ended)
  std::string by;                  ///< who or what started (or ended) it
  SysTime at;                      ///< when
  std::size_t drills_stopped = 0;  ///< kStarted: the running drills aborted
  std::optional<SysTime> thaw_at;  ///< kThawing: when it ends
};

/// Returns the one-line text, starting "[FREEZE] ", e.g. "[FREEZE] All drills stood down at
/// 2026-12-06T10:00:00.000Z (incident, by alert from alertmanager): real incident: ... 2 running
/// drills aborted; every fault is being restored." Control characters become spaces.
std::string FreezeNoticeText(const FreezeNoticeFacts& facts);

/// Returns the body of a Slack incoming webhook: {"text": EscapeSlackText(FreezeNoticeText)}.
std::string SlackFreezeJson(const FreezeNoticeFacts& facts);

/// Returns the body of a generic JSON webhook: {"freeze": true, "event", "cause", "reason",
/// "by", "at", "drills_stopped", "thaw_at" (or null), "text"}.
std::string GenericFreezeJson(const FreezeNoticeFacts& facts);

}  // namespace firedrill
