// The chat notices of a drill: one short message at each moment people should hear about (it is
// scheduled, a reminder the day before, the window opens, faults are put back, it is over, it is
// called off), rendered as the body of a Slack-compatible incoming webhook and of a generic JSON
// webhook. Pure text rendering: no I/O, no clock (the moment is passed in). Delivery is
// webhook_sender.h's job.
#pragma once

#include <string>
#include <string_view>

#include "drills/drill.h"

namespace firedrill {

/// The moment a notice is sent at.
enum class NoticeEvent {
  kScheduled,    ///< the drill is planned and announced
  kReminder,     ///< a reminder before the window (the daemon sends it at T-24h)
  kWindowStart,  ///< the window opens: faults are about to be introduced
  kRestore,      ///< faults are being put back (window end, abort, guard trip)
  kEnd,          ///< the drill is over; `detail` carries the outcome
  kCancelled,    ///< the drill is called off; `detail` carries the reason
};

/// Returns the wire name of `event`: "scheduled", "reminder", "window-start", "restore", "end" or
/// "cancelled". Never changes: receivers route on it.
std::string_view NoticeEventName(NoticeEvent event);

/// Everything a notice says. Texts may hold anything (line breaks are flattened to spaces in the
/// one-line text, kept as they are in the generic JSON's own fields).
struct NoticeFacts {
  std::string drill_id;
  std::string title;
  std::string service;
  std::string owner;
  std::string playbook;  ///< URL or path; left out of the text when empty
  SysTime window_start;
  SysTime window_end;
  std::string zone;  ///< IANA zone the window is shown in (as well as in UTC)
  NoticeEvent event = NoticeEvent::kScheduled;
  SysTime at;  ///< when the notice is generated (the reminder counts down from it)
  /// Free text appended to the message, e.g. a cancel reason or an outcome ("recovered by the
  /// team in 4m12s"); left out when empty.
  std::string detail;
};

/// Returns the facts of `drill` for a notice of `event` generated at `at`, with `detail`.
NoticeFacts NoticeFactsOf(const Drill& drill, NoticeEvent event, SysTime at,
                          std::string detail = {});

/// Returns the plain, unescaped one-line text of the notice: it starts with "[DRILL] <drill id>
/// — ", says what happens, shows the window in the drill's zone (FormatInZone) and in UTC, adds
/// the detail and the owner, says "This is a practice drill, not a real incident." and ends with
/// " Playbook: <playbook>" (no full stop after the link). Control characters in the facts (line
/// breaks included) become single spaces.
std::string NoticeText(const NoticeFacts& facts);

/// Returns `text` on one line: every run of control characters (line breaks included) becomes one
/// space, and spaces at either end are dropped. For any notice text (freeze notices too).
std::string FlatNoticeText(std::string_view text);

/// Returns `text` escaped for Slack mrkdwn: '&', '<' and '>' become "&amp;", "&lt;", "&gt;"
/// (Slack reads "<...>" as a link or mention otherwise). Nothing else changes.
std::string EscapeSlackText(std::string_view text);

/// Returns the body of a Slack incoming webhook (also understood by Mattermost and Rocket.Chat):
/// the JSON object {"text": EscapeSlackText(NoticeText(facts))}.
std::string SlackNoticeJson(const NoticeFacts& facts);

/// Returns the body of a generic JSON webhook: an object with "drill": true, "drill_id",
/// "event" (NoticeEventName), "title", "service", "owner", "playbook", "window_start",
/// "window_end" and "at" (UTC RFC 3339 with milliseconds, FormatUtc), "zone", "detail", and
/// "text" (NoticeText, unescaped).
std::string GenericNoticeJson(const NoticeFacts& facts);

}  // namespace firedrill
