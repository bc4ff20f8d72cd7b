#include "orchestrator/announce/icalendar.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <set>

#include "drills/recurrence.h"
#include "drills/zone_rules.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The length of the well-formed UTF-8 sequence of a character from U+00A0 up at `s[i]`, or 0
// (ASCII, a C1 control character, a malformed or overlong sequence, a surrogate).
std::size_t NonAsciiCharacterAt(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t len = lead >= 0xc2 && lead <= 0xdf   ? 2
                    : lead >= 0xe0 && lead <= 0xef ? 3
                    : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                   : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  const unsigned char second = byte(i + 1);
  if ((lead == 0xc2 && second < 0xa0) || (lead == 0xe0 && second < 0xa0) ||
      (lead == 0xed && second > 0x9f) || (lead == 0xf0 && second < 0x90) ||
      (lead == 0xf4 && second > 0x8f)) {
    return 0;
  }
  return len;
}

// ASCII letters, digits, '.' and '-'; before the '@' also '_', '+', '\'' and non-ASCII
// characters (RFC 6531 local parts, which mailto: carries percent-encoded). Anything more exotic
// is better refused than sent to a wrong address.
bool IsUsableAddress(std::string_view a) {
  std::size_t at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size()) return false;
  if (a.find('@', at + 1) != std::string_view::npos) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (i == at || IsAsciiAlnum(c) || c == '.' || c == '-') continue;
    if (i < at && (c == '_' || c == '+' || c == '\'')) continue;
    if (i < at) {
      if (std::size_t len = NonAsciiCharacterAt(a, i); len != 0 && i + len <= at) {
        i += len - 1;
        continue;
      }
    }
    return false;
  }
  return true;
}

// "mailto:" and the address, its non-ASCII octets percent-encoded (RFC 6068 section 2); the
// ASCII IsUsableAddress lets through needs no encoding.
std::string MailtoUri(std::string_view address) {
  std::string out = "mailto:";
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A parameter value such as CN may not contain DQUOTE or control characters even when quoted
// (RFC 5545 section 3.1); it is always quoted so that ':', ';' and ',' are safe.
std::string QuotedParam(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || u < 0x20 || u == 0x7f) continue;
    out += c;
  }
  out += '"';
  return out;
}

// "20270414T120000Z": DATE-TIME in UTC form (RFC 5545 section 3.3.5).
std::string IcsUtc(std::chrono::sys_seconds t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// The length of the UTF-8 sequence a lead byte announces; 1 for ASCII and for stray bytes.
std::size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xf0 && lead < 0xf8) return 4;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xc0 && lead < 0xe0) return 2;
  return 1;
}

// "\r\n" and a lone "\r" become "\n": the one line break a TEXT value can carry.
std::string NormalizeLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    out += '\n';
  }
  return out;
}

// "20270105T100000": DATE-TIME in local form, read in the zone its TZID names.
std::string IcsLocal(const LocalDateTime& l) {
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}", l.year, l.month, l.day, l.hour, l.minute,
                     l.second);
}

// "+0100", "-0330", "+053000": a UTC-OFFSET value (RFC 5545 section 3.3.14).
std::string IcsOffset(std::chrono::seconds offset) {
  char sign = offset < std::chrono::seconds{0} ? '-' : '+';
  auto s = offset.count() < 0 ? -offset.count() : offset.count();
  std::string out = fmt::format("{}{:02}{:02}", sign, s / 3600, s / 60 % 60);
  if (s % 60 != 0) out += fmt::format("{:02}", s % 60);
  return out;
}

// How a recurring drill goes into the invite.
struct Series {
  std::string rrule;              // empty: no RRULE (a one-off drill, or see PlanSeries)
  std::optional<ZoneRules> zone;  // set: DTSTART/DTEND local in the drill's zone, with VTIMEZONE
};

// A calendar expands the RRULE itself, so it goes in only where that expansion is exactly
// firedrill's series (up to kMaxRRuleCount occurrences, or a year, whichever is longer):
// - the zone's offsets over the series are one fixed offset or one yearly pair of changes (the
//   VTIMEZONE every calendar understands), checked against the tz database; zero all along (UTC)
//   needs no VTIMEZONE: the times stay in UTC;
// - every occurrence is as long as the first, since calendars give each the first one's exact
//   length (RFC 5545 section 3.8.5.3), which an occurrence during a DST change is not;
// - the window's local start and end each name one instant (not in a fall-back hour).
// Otherwise the invite is for the drill's own window only; its description names the rule.
Series PlanSeries(const Drill& drill, SysTime start, SysTime end) {
  Series series;
  const Window& w = drill.window;
  if (!w.repeat) return series;
  Expected<std::vector<Window>> all =
      Occurrences(w, *w.repeat, w.start, static_cast<std::size_t>(kMaxRRuleCount));
  if (!all || all->empty()) return series;
  const Duration length = w.end - w.start;
  for (const Window& o : *all) {
    if (o.end - o.start != length) return series;
  }
  SysTime until = std::max(all->back().end, w.start + std::chrono::days{366});
  Expected<ZoneRules> rules = YearlyZoneRules(w.zone, w.start, until);
  if (!rules) return series;
  if (rules->changes.empty() && rules->offset == std::chrono::seconds{0}) {
    series.rrule = FormatRRule(*w.repeat, w.zone);
    return series;
  }
  for (SysTime t : {start, end}) {
    Expected<SysTime> back = LocalToSys(SysToLocal(t, w.zone), w.zone);
    if (!back || *back != t) return series;
  }
  series.rrule = FormatRRule(*w.repeat, w.zone);
  series.zone = std::move(*rules);
  return series;
}

// The VTIMEZONE of `zone` as `rules` describe it, each observance starting in 1970.
void AddTimezone(const std::function<void(std::string_view)>& line, const std::string& zone,
                 const ZoneRules& rules) {
  static constexpr std::array<std::string_view, 7> kDays = {"SU", "MO", "TU", "WE",
                                                            "TH", "FR", "SA"};
  line("BEGIN:VTIMEZONE");
  line("TZID:" + zone);
  if (rules.changes.empty()) {
    line("BEGIN:STANDARD");
    line("DTSTART:19700101T000000");
    line("TZOFFSETFROM:" + IcsOffset(rules.offset));
    line("TZOFFSETTO:" + IcsOffset(rules.offset));
    if (!rules.abbrev.empty()) line("TZNAME:" + EscapeText(rules.abbrev));
    line("END:STANDARD");
  }
  for (const YearlyOffsetChange& c : rules.changes) {
    const char* kind = c.daylight ? "DAYLIGHT" : "STANDARD";
    std::chrono::year_month_day day = ChangeDay(c, std::chrono::year{1970});
    std::chrono::hh_mm_ss<std::chrono::seconds> at{c.at};
    line(fmt::format("BEGIN:{}", kind));
    line(fmt::format(
        "DTSTART:{}",
        IcsLocal(LocalDateTime{
            static_cast<int>(day.year()), static_cast<int>(static_cast<unsigned>(day.month())),
            static_cast<int>(static_cast<unsigned>(day.day())),
            static_cast<int>(at.hours().count()), static_cast<int>(at.minutes().count()),
            static_cast<int>(at.seconds().count())})));
    line(fmt::format("RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={}{}", static_cast<unsigned>(c.month),
                     c.ordinal, kDays[c.weekday.c_encoding()]));
    line("TZOFFSETFROM:" + IcsOffset(c.from));
    line("TZOFFSETTO:" + IcsOffset(c.to));
    if (!c.abbrev.empty()) line("TZNAME:" + EscapeText(c.abbrev));
    line(fmt::format("END:{}", kind));
  }
  line("END:VTIMEZONE");
}

struct Attendee {
  Mailbox who;
  std::string role;  // RFC 5545 ROLE value
};

// Participants first (their role decides), then announce attendees; each address once.
std::vector<Attendee> Attendees(const Drill& drill, std::vector<std::string>& not_invited) {
  std::vector<Attendee> out;
  std::set<std::string> seen_addresses;
  std::set<std::string> seen_skipped;
  auto add = [&](const std::string& written, const char* role) {
    Mailbox m = ParseMailbox(written);
    if (m.address.empty()) {
      if (seen_skipped.insert(written).second) not_invited.push_back(written);
      return;
    }
    if (seen_addresses.insert(Lower(m.address)).second) out.push_back({std::move(m), role});
  };
  for (const Participant& p : drill.participants) {
    add(p.name, p.role == "observer" ? "OPT-PARTICIPANT" : "REQ-PARTICIPANT");
  }
  for (const std::string& a : drill.announce.attendees) add(a, "OPT-PARTICIPANT");
  return out;
}

// Who a person is for "each person once": the address without regard to case, or the name.
std::string PersonKey(const std::string& written) {
  Mailbox m = ParseMailbox(written);
  return m.address.empty() ? "name " + m.name : "address " + Lower(m.address);
}

// The announce attendees who are not participants, each once, as written.
std::vector<std::string> AlsoInformed(const Drill& drill) {
  std::set<std::string> seen;
  for (const Participant& p : drill.participants) seen.insert(PersonKey(p.name));
  std::vector<std::string> out;
  for (const std::string& a : drill.announce.attendees) {
    if (seen.insert(PersonKey(a)).second) out.push_back(a);
  }
  return out;
}

}  // namespace

Mailbox ParseMailbox(std::string_view text) {
  std::string_view t = Trim(text);
  std::size_t open = t.rfind('<');
  if (open != std::string_view::npos && !t.empty() && t.back() == '>') {
    std::string_view addr = Trim(t.substr(open + 1, t.size() - open - 2));
    std::string_view name = Trim(t.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = Trim(name.substr(1, name.size() - 2));
    }
    if (IsUsableAddress(addr)) return {std::string(name), std::string(addr)};
    return {std::string(t), ""};
  }
  if (IsUsableAddress(t)) return {"", std::string(t)};
  return {std::string(t), ""};
}

std::string InviteUid(const Drill& drill) {
  return fmt::format("{}@{}", drill.id, kInviteUidDomain);
}

std::string InviteDescription(const Drill& drill, bool cancel) {
  const Window& w = drill.window;
  std::string out;
  if (cancel) {
    out += fmt::format(
        "CANCELLED: this practice drill will not take place. Nothing will be changed on {}.\n\n",
        drill.service);
  }
  out += fmt::format(
      "This is a practice drill, not a real incident. During this window faults are introduced "
      "into {} on purpose, so that the team can practise its response; everything is put back "
      "by the end of the window.\n\n",
      drill.service);
  out += fmt::format("Drill: {} ({})\n", drill.title, drill.id);
  out += fmt::format("Service: {}\n", drill.service);
  out += fmt::format("Window: {} to {} ({})\n", FormatInZone(w.start, w.zone),
                     FormatInZone(w.end, w.zone), w.zone);
  out += fmt::format("Window in UTC: {} to {}\n", FormatUtc(w.start), FormatUtc(w.end));
  if (w.repeat) {
    out += fmt::format("Repeats: {} (each time at the same local time in {})\n",
                       FormatRRule(*w.repeat, w.zone), w.zone);
  }
  out += fmt::format("Playbook: {}\n", drill.playbook);
  if (!drill.hypothesis.empty()) out += fmt::format("Hypothesis: {}\n", drill.hypothesis);
  out += fmt::format("Organizer: {}\n", drill.owner);
  if (!drill.participants.empty()) {
    out += "Participants:\n";
    for (const Participant& p : drill.participants) {
      out += p.role.empty() ? fmt::format("- {}\n", p.name)
                            : fmt::format("- {} ({})\n", p.name, p.role);
    }
  }
  // Whoever else the drill file names, invited or not (without an e-mail address they can only
  // be told here, or by the team lead).
  if (std::vector<std::string> informed = AlsoInformed(drill); !informed.empty()) {
    out += "Also informed:\n";
    for (const std::string& who : informed) out += fmt::format("- {}\n", who);
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return NormalizeLineBreaks(out);
}

Expected<Invite> RenderInvite(const Drill& drill, const InviteOptions& options) {
  Mailbox organizer = ParseMailbox(drill.owner);
  if (organizer.address.empty()) {
    return Error(
        fmt::format("drill \"{}\": owner \"{}\" has no usable e-mail address; a calendar "
                    "invite needs one as its organizer (e.g. \"Name <name@example.com>\")",
                    drill.id, drill.owner));
  }
  if (options.sequence < 0) {
    return Error(fmt::format("invite sequence must be 0 or more, not {}", options.sequence));
  }
  if (drill.window.end <= drill.window.start) {
    return Error(fmt::format("drill \"{}\": the window must end after it starts", drill.id));
  }

  Invite invite;
  invite.uid = InviteUid(drill);
  std::vector<Attendee> attendees = Attendees(drill, invite.not_invited);
  // RFC 5546: a REQUEST or CANCEL names at least one ATTENDEE, a PUBLISH none.
  invite.method = attendees.empty() ? "PUBLISH" : options.cancel ? "CANCEL" : "REQUEST";

  // Calendars count in whole seconds: round the window outwards so the event covers all of it.
  auto start = std::chrono::floor<std::chrono::seconds>(drill.window.start);
  auto end = std::chrono::ceil<std::chrono::seconds>(drill.window.end);
  auto stamp = std::chrono::floor<std::chrono::seconds>(options.stamp);

  const Series series = PlanSeries(drill, start, end);

  std::string& text = invite.text;
  std::function<void(std::string_view)> line = [&text](std::string_view content) {
    text += FoldLine(content);
  };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//firedrill//Drill invite//EN");
  line("CALSCALE:GREGORIAN");
  line("METHOD:" + invite.method);
  if (series.zone) AddTimezone(line, drill.window.zone, *series.zone);
  line("BEGIN:VEVENT");
  line("UID:" + invite.uid);
  line("DTSTAMP:" + IcsUtc(stamp));
  if (series.zone) {
    const std::string tzid = ";TZID=" + drill.window.zone + ":";
    line("DTSTART" + tzid + IcsLocal(SysToLocal(start, drill.window.zone)));
    line("DTEND" + tzid + IcsLocal(SysToLocal(end, drill.window.zone)));
  } else {
    line("DTSTART:" + IcsUtc(start));
    line("DTEND:" + IcsUtc(end));
  }
  if (!series.rrule.empty()) line("RRULE:" + series.rrule);
  line(fmt::format("SEQUENCE:{}", options.sequence));
  line(options.cancel ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
  line("SUMMARY:" + EscapeText(fmt::format("[DRILL] {} ({})", drill.title, drill.id)));
  line("DESCRIPTION:" + EscapeText(InviteDescription(drill, options.cancel)));
  line("TRANSP:OPAQUE");
  std::string org = "ORGANIZER";
  if (!organizer.name.empty()) org += ";CN=" + QuotedParam(organizer.name);
  line(org + ":" + MailtoUri(organizer.address));
  // A cancellation asks for no reply.
  const char* rsvp = options.cancel ? "FALSE" : "TRUE";
  for (const Attendee& a : attendees) {
    std::string att = "ATTENDEE";
    if (!a.who.name.empty()) att += ";CN=" + QuotedParam(a.who.name);
    att += fmt::format(";ROLE={};PARTSTAT=NEEDS-ACTION;RSVP={}:{}", a.role, rsvp,
                       MailtoUri(a.who.address));
    line(att);
  }
  line("END:VEVENT");
  line("END:VCALENDAR");
  return invite;
}

std::vector<std::string> InviteWarnings(const Drill& drill) {
  std::vector<std::string> out;
  std::vector<std::string> not_invited;
  if (Attendees(drill, not_invited).empty()) {
    out.push_back(
        "nobody can be invited by calendar (no participant or announce attendee has an e-mail "
        "address): the invite is published (METHOD:PUBLISH) and asks nobody to reply; add "
        "addresses to [[participants]] or [announce] attendees to invite people");
  }
  return out;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
      case ';':
      case ',':
        out += '\\';
        out += c;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += c;
        break;
      default:
        // TEXT may not hold other control characters (RFC 5545 section 3.3.11).
        if (u < 0x20 || u == 0x7f) break;
        out += c;
    }
  }
  return out;
}

std::string FoldLine(std::string_view line) {
  constexpr std::size_t kMaxOctets = 75;
  std::string out;
  out.reserve(line.size() + line.size() / 70 * 3 + 2);
  std::size_t used = 0;  // octets on the current physical line
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t len = Utf8Length(static_cast<unsigned char>(line[i]));
    if (len > 1) {
      // A malformed sequence is cut into single bytes rather than swallowing what follows.
      bool whole = i + len <= line.size();
      for (std::size_t k = 1; whole && k < len; ++k) {
        whole = (static_cast<unsigned char>(line[i + k]) & 0xc0) == 0x80;
      }
      if (!whole) len = 1;
    }
    if (used + len > kMaxOctets) {
      out += "\r\n ";
      used = 1;
    }
    out.append(line.substr(i, len));
    used += len;
    i += len;
  }
  out += "\r\n";
  return out;
}

}  // namespace firedrill
