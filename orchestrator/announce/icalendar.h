// The calendar invite of a drill: one iCalendar (RFC 5545) object with one event, sent as an iTIP
// REQUEST (RFC 5546) when a drill is scheduled or rescheduled and as a CANCEL when it is called
// off. A drill with nobody who can be invited (no e-mail address among its people) is a PUBLISH
// instead, with STATUS:CANCELLED when called off: RFC 5546 allows neither a REQUEST nor a CANCEL
// without an ATTENDEE, and no ATTENDEE in a PUBLISH. Pure text rendering: no I/O, no clock (the
// generation time is passed in).
//
// Times are written in UTC ("DTSTART:20270414T120000Z"): every calendar shows a UTC time in its
// reader's own zone, and the window in the drill's own zone is spelt out in the description.
//
// A recurring drill (`[window] repeat`) carries its rule as an RRULE, but only where the calendar's
// own expansion of it is exactly firedrill's series: the window stays at the same local time, so
// DTSTART and DTEND are then written in the drill's zone ("DTSTART;TZID=Europe/Copenhagen:
// 20270105T100000") with a VTIMEZONE derived from the tz database as one yearly pair of offset
// changes (or one fixed offset) and checked against it; a zone at UTC all along keeps UTC times and
// needs no VTIMEZONE. Where that cannot be exact (the zone's rules change during the series, an
// occurrence during which the clocks change, a window starting or ending in a repeated fall-back
// hour), the invite has no RRULE and is for the drill's own window only; the description always
// names the rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// The domain part of every invite UID ("<drill id>@<this>"). Never changes: calendars match an
/// update or a cancellation to the event they already hold by its UID.
inline constexpr std::string_view kInviteUidDomain = "drills.firedrill.invalid";

/// What varies between two renderings of the same drill's invite.
struct InviteOptions {
  SysTime stamp;        ///< DTSTAMP: when the invite is generated (UTC)
  int sequence = 0;     ///< SEQUENCE: 0 for the first invite; the caller bumps it on reschedule
  bool cancel = false;  ///< true: STATUS:CANCELLED (METHOD:CANCEL, or PUBLISH without attendees)
};

/// A rendered invite.
struct Invite {
  std::string uid;   ///< the event's UID (see InviteUid)
  std::string text;  ///< the whole VCALENDAR: CRLF line endings, lines folded at 75 octets
  /// The iTIP method: "REQUEST", "CANCEL", or "PUBLISH" when nobody could be invited.
  std::string method;
  /// Participants and announce attendees that were left out because they carry no usable e-mail
  /// address, as written in the drill file (in file order, without duplicates).
  std::vector<std::string> not_invited;
};

/// A person as written in a drill file: "a@example.com", "Name <a@example.com>" or just "Name".
struct Mailbox {
  std::string name;     ///< display name; empty when none was written
  std::string address;  ///< e-mail address; empty when the text holds no usable one
};

/// Splits `text` into a display name and an e-mail address. An address is usable only if it has
/// one '@' with text on both sides and holds nothing but ASCII letters, digits, '.' and '-' (and
/// before the '@' also '_', '+', '\'' and any non-ASCII character, as RFC 6531 allows; never a
/// control character or malformed UTF-8). Never fails: text without a usable address becomes a
/// name with an empty address.
Mailbox ParseMailbox(std::string_view text);

/// Returns the invite UID of `drill`: "<drill id>@" kInviteUidDomain. The same drill id always
/// yields the same UID, so a later REQUEST replaces the event and a CANCEL removes it.
std::string InviteUid(const Drill& drill);

/// Returns the plain (unescaped) text of the event's DESCRIPTION: a statement that this is a
/// practice drill, the drill id and service, the window in the drill's zone and in UTC, the
/// playbook, the hypothesis (when set), for a recurring drill its rule ("Repeats: FREQ=..."), the
/// participants with their roles, and the announce attendees who are not participants ("Also
/// informed:"), each person once, as written, with or without an e-mail address. With `cancel`, it
/// opens with a line saying the drill is cancelled. Lines are separated by "\n" (a "\r\n" or
/// "\r" in the drill's texts becomes "\n"), so this is exactly what a calendar reads back.
std::string InviteDescription(const Drill& drill, bool cancel);

/// Renders the invite of `drill` (for a recurring drill with or without an RRULE, as the top of
/// this file says). Fails, naming the offending value, when the owner has no
/// usable e-mail address (an invite needs its organizer as a mailto: address), when
/// `options.sequence` is negative, or when the window does not end after it starts. Attendees
/// are every participant and every announce attendee with a usable address, each once (compared
/// without regard to case; a participant's role wins over an announce attendee's); without any,
/// the method is PUBLISH. Addresses go into mailto: URIs with their non-ASCII octets
/// percent-encoded (RFC 6068 section 2).
Expected<Invite> RenderInvite(const Drill& drill, const InviteOptions& options);

/// Returns what a team lead should know about the invite of `drill` before sending it, one
/// sentence each, for `firedrill validate` to print as warnings (never errors); empty when
/// nothing. Today one: a drill with nobody who can be invited (no participant or announce attendee
/// with a usable e-mail address) is published (METHOD:PUBLISH) and asks nobody to reply.
std::vector<std::string> InviteWarnings(const Drill& drill);

/// Returns `text` escaped as an RFC 5545 TEXT value: '\\' ';' ',' are prefixed with '\\', a line
/// break ("\n", "\r\n" or "\r") becomes "\\n", other control characters except tab are dropped.
std::string EscapeText(std::string_view text);

/// Returns one content line (given without its line ending) folded as RFC 5545 section 3.1 asks:
/// lines of at most 75 octets, each ended by CRLF, continuation lines starting with one space.
/// Folds only between UTF-8 code points, never inside a multi-byte sequence (a malformed byte
/// counts as a code point of its own).
std::string FoldLine(std::string_view line);

}  // namespace firedrill
