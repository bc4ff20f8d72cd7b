#include "orchestrator/announce/icalendar.h"

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "drills/recurrence.h"
#include "drills/zoned_time.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "tests/orchestrator/announce/ics_parser.h"
#include "tests/orchestrator/announce/invite_drill.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::AwkwardDrill;
using firedrill::testing::InviteDrill;
using namespace std::chrono_literals;

namespace {

using firedrill::testing::kStamp;

// The physical lines of `text`, split at CRLF (the CRLFs themselves are not included).
std::vector<std::string> PhysicalLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find("\r\n", at);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

// Undoes RFC 5545 folding: a CRLF followed by one space disappears.
std::string Unfold(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    out += text[i];
  }
  return out;
}

// The logical content lines of an invite, unfolded.
std::vector<std::string> ContentLines(const std::string& text) {
  return PhysicalLines(Unfold(text));
}

// The content lines that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& l : ContentLines(text)) {
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  }
  return out;
}

// The one content line starting with `prefix`, or "" (and a failed check) if there is not one.
std::string OneLine(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found = LinesStartingWith(text, prefix);
  INFO(prefix);
  CHECK(found.size() == 1);
  return found.empty() ? "" : found.front();
}

// True iff `s` is well-formed UTF-8 (each line of a correctly folded invite must be).
bool IsValidUtf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

Invite Render(const Drill& d, int sequence = 0, bool cancel = false) {
  Expected<Invite> r = RenderInvite(d, InviteOptions{kStamp, sequence, cancel});
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("a content line of exactly 75 octets is not folded but one of 76 is", "[announce]") {
  std::string l75(75, 'a');
  CHECK(FoldLine(l75) == l75 + "\r\n");
  std::string l76(76, 'b');
  CHECK(FoldLine(l76) == std::string(75, 'b') + "\r\n b\r\n");
  // Continuation lines carry the leading space within their 75 octets: 74 more per line.
  std::string l223(75 + 74 + 74, 'c');
  std::string folded = FoldLine(l223);
  std::vector<std::string> lines = PhysicalLines(folded);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].size() == 75);
  CHECK(lines[1].size() == 75);
  CHECK(lines[2].size() == 75);
  CHECK(lines[1][0] == ' ');
  CHECK(Unfold(folded) == l223 + "\r\n");
  CHECK(FoldLine("") == "\r\n");
}

TEST_CASE("folding never splits a multi-byte UTF-8 character at the 75-octet boundary",
          "[announce]") {
  struct Case {
    std::size_t ascii;
    std::string ch;
    std::size_t first_line;  // octets on the first physical line
  };
  // é is 2 octets, € 3, 🐣 4. A character that would cross octet 75 moves whole to the next line.
  std::vector<Case> cases = {
      {73, "é", 75}, {74, "é", 74}, {72, "€", 75}, {73, "€", 73}, {74, "€", 74},
      {71, "🐣", 75}, {72, "🐣", 72}, {73, "🐣", 73}, {74, "🐣", 74},
  };
  for (const Case& c : cases) {
    std::string line = std::string(c.ascii, 'x') + c.ch + "tail";
    std::string folded = FoldLine(line);
    INFO("ascii " << c.ascii << " + " << c.ch);
    std::vector<std::string> lines = PhysicalLines(folded);
    REQUIRE(lines.size() >= 1);
    CHECK(lines[0].size() == c.first_line);
    for (const std::string& l : lines) {
      CHECK(l.size() <= 75);
      CHECK(IsValidUtf8(l));
    }
    CHECK(Unfold(folded) == line + "\r\n");
  }
  // A line of nothing but 4-octet characters folds at 72 octets (18 characters), then 72+1.
  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "🐣";
  std::vector<std::string> lines = PhysicalLines(FoldLine(emoji));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].size() == 72);
  CHECK(lines[1].size() == 73);
  for (const std::string& l : lines) CHECK(IsValidUtf8(l));
}

TEST_CASE("a malformed UTF-8 byte is folded as a unit of its own, not swallowed", "[announce]") {
  std::string line = std::string(74, 'x') + "\xc3" + "abc";  // lead byte without continuation
  std::string folded = FoldLine(line);
  CHECK(PhysicalLines(folded)[0].size() == 75);
  CHECK(Unfold(folded) == line + "\r\n");
}

TEST_CASE("TEXT values escape backslash, semicolon, comma and line breaks", "[announce]") {
  CHECK(EscapeText("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne");
  CHECK(EscapeText("one\r\ntwo\rthree\n") == "one\\ntwo\\nthree\\n");
  CHECK(EscapeText("colon: and \"quotes\" stay") == "colon: and \"quotes\" stay");
  CHECK(EscapeText("tab\tkept, bell\a and escape\x1b dropped") ==
        "tab\tkept\\, bell and escape dropped");
  CHECK(EscapeText("ærø 🐣") == "ærø 🐣");
  CHECK(EscapeText("") == "");
}

TEST_CASE("the invite has CRLF line endings everywhere and no line over 75 octets", "[announce]") {
  for (const Drill& d : {InviteDrill(), AwkwardDrill()}) {
    for (bool cancel : {false, true}) {
      std::string text = Render(d, 0, cancel).text;
      INFO(d.id << (cancel ? " cancel" : " request"));
      REQUIRE(text.size() > 2);
      CHECK(text.substr(text.size() - 2) == "\r\n");
      for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') CHECK((i > 0 && text[i - 1] == '\r'));
        if (text[i] == '\r') CHECK((i + 1 < text.size() && text[i + 1] == '\n'));
      }
      for (const std::string& l : PhysicalLines(text)) {
        CHECK(l.size() <= 75);
        CHECK(IsValidUtf8(l));
        CHECK(l.find('\n') == std::string::npos);
      }
      std::vector<std::string> lines = ContentLines(text);
      CHECK(lines.front() == "BEGIN:VCALENDAR");
      CHECK(lines.back() == "END:VCALENDAR");
      CHECK(LinesStartingWith(text, "BEGIN:VEVENT").size() == 1);
      CHECK(OneLine(text, "VERSION:") == "VERSION:2.0");
      CHECK(OneLine(text, "PRODID:").size() > 7);
    }
  }
}

TEST_CASE("a long DESCRIPTION is folded and unfolds to the escaped description", "[announce]") {
  Drill d = AwkwardDrill();
  Invite inv = Render(d);
  std::string description = InviteDescription(d, false);
  REQUIRE(description.size() > 300);
  // The hypothesis's CRLF comes out as the one line break TEXT knows.
  CHECK(description.find('\r') == std::string::npos);
  CHECK_THAT(description, Catch::Contains("3 minutter;\nanden linje, med \"citat\".\næøå€🐣"));
  CHECK(OneLine(inv.text, "DESCRIPTION:") == "DESCRIPTION:" + EscapeText(description));
  // Folded: the description spans many physical lines, each a continuation.
  std::size_t continuations = 0;
  for (const std::string& l : PhysicalLines(inv.text)) {
    if (!l.empty() && l[0] == ' ') ++continuations;
  }
  CHECK(continuations > description.size() / 75);
}

TEST_CASE("the description says it is a drill and gives the playbook, hypothesis and window",
          "[announce]") {
  CHECK(InviteDescription(InviteDrill(), false) ==
        "This is a practice drill, not a real incident. During this window faults are "
        "introduced into checkout on purpose, so that the team can practise its response; "
        "everything is put back by the end of the window.\n"
        "\n"
        "Drill: Checkout loses its PostgreSQL database (checkout-db-blackhole)\n"
        "Service: checkout\n"
        "Window: 2027-04-14 14:00:00 CEST (+02:00) to 2027-04-14 15:00:00 CEST (+02:00) "
        "(Europe/Berlin)\n"
        "Window in UTC: 2027-04-14T12:00:00.000Z to 2027-04-14T13:00:00.000Z\n"
        "Playbook: https://wiki.example.com/runbooks/checkout/database-unreachable\n"
        "Hypothesis: PostgresUnreachable fires within 3 minutes; checkout serves cached pages.\n"
        "Organizer: Platform Team <platform@example.com>\n"
        "Participants:\n"
        "- jonas.weber@example.com (incident-commander)\n"
        "- dba-oncall@example.com (responder)\n"
        "- product-owner@example.com (observer)\n"
        "Also informed:\n"
        "- checkout-team@example.com\n"
        "- dba@example.com");
  Drill no_hypothesis = InviteDrill();
  no_hypothesis.hypothesis.clear();
  no_hypothesis.participants.clear();
  std::string text = InviteDescription(no_hypothesis, false);
  CHECK(text.find("Hypothesis") == std::string::npos);
  CHECK(text.find("Participants") == std::string::npos);
  CHECK(InviteDescription(InviteDrill(), true)
            .starts_with("CANCELLED: this practice drill will not take place."));
}

TEST_CASE("a request names the drill, its window in UTC, organizer and status", "[announce]") {
  Invite inv = Render(InviteDrill());
  const std::string& t = inv.text;
  CHECK(OneLine(t, "METHOD:") == "METHOD:REQUEST");
  CHECK(OneLine(t, "STATUS:") == "STATUS:CONFIRMED");
  CHECK(OneLine(t, "SUMMARY:") ==
        "SUMMARY:[DRILL] Checkout loses its PostgreSQL database (checkout-db-blackhole)");
  CHECK(OneLine(t, "DTSTAMP:") == "DTSTAMP:20270401T083000Z");
  CHECK(OneLine(t, "DTSTART:") == "DTSTART:20270414T120000Z");
  CHECK(OneLine(t, "DTEND:") == "DTEND:20270414T130000Z");
  CHECK(OneLine(t, "SEQUENCE:") == "SEQUENCE:0");
  CHECK(OneLine(t, "ORGANIZER") == "ORGANIZER;CN=\"Platform Team\":mailto:platform@example.com");
  CHECK(LinesStartingWith(t, "DTSTART;TZID").empty());
  CHECK(LinesStartingWith(t, "BEGIN:VTIMEZONE").empty());
}

TEST_CASE("the window is rounded outwards to whole seconds", "[announce]") {
  Drill d = InviteDrill();
  d.window.start += std::chrono::milliseconds(999);
  d.window.end += std::chrono::milliseconds(1);
  Invite inv = Render(d);
  CHECK(OneLine(inv.text, "DTSTART:") == "DTSTART:20270414T120000Z");
  CHECK(OneLine(inv.text, "DTEND:") == "DTEND:20270414T130001Z");
}

TEST_CASE("every participant and announce attendee is invited once", "[announce]") {
  Invite inv = Render(InviteDrill());
  CHECK(LinesStartingWith(inv.text, "ATTENDEE") ==
        std::vector<std::string>{
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:jonas.weber@example.com",
            "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:dba-oncall@example.com",
            "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:product-owner@example.com",
            "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:checkout-team@example.com",
            "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:dba@example.com",
        });
  CHECK(inv.not_invited.empty());

  // Duplicates differ only in case or display name; the participant's entry (and role) wins.
  Invite awkward = Render(AwkwardDrill());
  CHECK(LinesStartingWith(awkward.text, "ATTENDEE") ==
        std::vector<std::string>{
            "ATTENDEE;CN=\"Åse Ødegård\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:aase@example.com",
            "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:team@example.com",
            "ATTENDEE;CN=\"printer; lpr\";ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
            "mailto:x@y",
        });
  CHECK(awkward.not_invited == std::vector<std::string>{"no address at all"});
  // A quoted display name is quoted once, with its ',' kept safe inside the quotes.
  CHECK(OneLine(awkward.text, "ORGANIZER") ==
        "ORGANIZER;CN=\"Søren Ø. Ågård, SRE\":mailto:soren@example.com");
  // Quotes cannot appear inside a quoted parameter value: they are dropped from the name.
  Drill nick = InviteDrill();
  nick.owner = "Kim \"KC\" Chen <kim@example.com>";
  CHECK(OneLine(Render(nick).text, "ORGANIZER") ==
        "ORGANIZER;CN=\"Kim KC Chen\":mailto:kim@example.com");
}

TEST_CASE("the UID is the same for every rendering of the same drill", "[announce]") {
  Drill d = InviteDrill();
  Invite first = Render(d, 0, false);
  CHECK(first.uid == "checkout-db-blackhole@drills.firedrill.invalid");
  CHECK(OneLine(first.text, "UID:") == "UID:" + first.uid);
  CHECK(InviteUid(d) == first.uid);

  // Rescheduled, retitled, re-stamped, with other people: still the same event.
  Drill moved = d;
  moved.window.start += std::chrono::hours(24);
  moved.window.end += std::chrono::hours(24);
  moved.title = "Checkout loses its database, again";
  moved.participants.pop_back();
  Expected<Invite> later =
      RenderInvite(moved, InviteOptions{kStamp + std::chrono::hours(5), 1, false});
  REQUIRE(later.ok());
  CHECK(later->uid == first.uid);
  CHECK(Render(d, 7, true).uid == first.uid);

  Drill other = d;
  other.id = "checkout-web-crash";
  CHECK(InviteUid(other) != first.uid);
}

TEST_CASE("SEQUENCE is the number the caller passes", "[announce]") {
  CHECK(OneLine(Render(InviteDrill(), 0).text, "SEQUENCE:") == "SEQUENCE:0");
  CHECK(OneLine(Render(InviteDrill(), 3).text, "SEQUENCE:") == "SEQUENCE:3");
  Expected<Invite> negative = RenderInvite(InviteDrill(), InviteOptions{kStamp, -1, false});
  REQUIRE_FALSE(negative.ok());
  CHECK_THAT(negative.error().message, Catch::Contains("-1"));
}

TEST_CASE("a cancellation is METHOD:CANCEL with STATUS:CANCELLED and asks for no reply",
          "[announce]") {
  Invite inv = Render(InviteDrill(), 2, true);
  const std::string& t = inv.text;
  CHECK(OneLine(t, "METHOD:") == "METHOD:CANCEL");
  CHECK(OneLine(t, "STATUS:") == "STATUS:CANCELLED");
  CHECK(OneLine(t, "SEQUENCE:") == "SEQUENCE:2");
  CHECK(t.find("REQUEST") == std::string::npos);
  CHECK(t.find("CONFIRMED") == std::string::npos);
  std::vector<std::string> attendees = LinesStartingWith(t, "ATTENDEE");
  CHECK(attendees.size() == 5);
  for (const std::string& a : attendees) CHECK_THAT(a, Catch::Contains(";RSVP=FALSE:"));
  CHECK_THAT(OneLine(t, "DESCRIPTION:"), Catch::StartsWith("DESCRIPTION:CANCELLED: this practice"));
}

TEST_CASE("an owner without an e-mail address cannot organize an invite", "[announce]") {
  Drill d = InviteDrill();
  d.owner = "Platform Team";
  Expected<Invite> r = RenderInvite(d, InviteOptions{kStamp, 0, false});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("owner \"Platform Team\""));
  CHECK_THAT(r.error().message, Catch::Contains("e-mail address"));
}

TEST_CASE("a window that does not end after it starts is refused", "[announce]") {
  Drill d = InviteDrill();
  d.window.end = d.window.start;
  Expected<Invite> r = RenderInvite(d, InviteOptions{kStamp, 0, false});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("window"));
}

TEST_CASE("mailboxes are read as address, Name <address> or a bare name", "[announce]") {
  auto check = [](const char* text, const char* name, const char* address) {
    Mailbox m = ParseMailbox(text);
    INFO(text);
    CHECK(m.name == name);
    CHECK(m.address == address);
  };
  check("lead@example.com", "", "lead@example.com");
  check("  lead@example.com ", "", "lead@example.com");
  check("Maria Jensen <maria.jensen@example.com>", "Maria Jensen", "maria.jensen@example.com");
  check("\"Jensen, Maria\" <maria@example.com>", "Jensen, Maria", "maria@example.com");
  check("o'brien+drills@mail.example.com", "", "o'brien+drills@mail.example.com");
  check("Maria Jensen", "Maria Jensen", "");
  check("Maria <not an address>", "Maria <not an address>", "");
  check("a@b@c", "a@b@c", "");
  check("@example.com", "@example.com", "");
  check("lead@", "lead@", "");
  check("lead@exa mple.com", "lead@exa mple.com", "");
  check("x@y.com?subject=hi", "x@y.com?subject=hi", "");
  check("", "", "");
}

// --- Recurring drills -------------------------------------------------------------------------

namespace {

// Reads an invite with python3-icalendar and expands its RRULE with python3-dateutil, converting
// each local start with the invite's own VTIMEZONE (not the parser's zone database), and prints
// {"errors", "timezones", "rrule", "occurrences": ["START/END" in UTC, ...]} for the first COUNT.
constexpr const char* kExpandScript = R"PY(
import json, sys
from datetime import datetime, timezone
try:
    import icalendar
    from dateutil import rrule
except ImportError as e:
    print(f"missing module: {e}")
    sys.exit(77)

with open(sys.argv[1], "rb") as f:
    cal = icalendar.Calendar.from_ical(f.read())
count = int(sys.argv[2])
ev = cal.walk("VEVENT")[0]
zones = cal.walk("VTIMEZONE")
start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
tz = zones[0].to_tz() if zones else timezone.utc
localize = tz.localize if zones else (lambda naive: naive.replace(tzinfo=timezone.utc))
out = {"errors": [f"{c.name}: {e}" for c in cal.walk() for e in c.errors],
       "timezones": len(zones), "rrule": "", "occurrences": []}
if "RRULE" in ev:
    text = ev["RRULE"].to_ical().decode()
    out["rrule"] = text
    until = None
    parts = []
    for part in text.split(";"):
        if part.startswith("UNTIL="):
            until = datetime.strptime(part[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        else:
            parts.append(part)
    naive = start.astimezone(tz).replace(tzinfo=None)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    for local in rrule.rrulestr(";".join(parts), dtstart=naive):
        s = localize(local)
        if until is not None and s > until or len(out["occurrences"]) == count:
            break
        e = s + (end - start)
        out["occurrences"].append(s.astimezone(timezone.utc).strftime(fmt) + "/" +
                                  e.astimezone(timezone.utc).strftime(fmt))
json.dump(out, sys.stdout)
)PY";

std::string Text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

// A drill of InviteDrill's people from `start` to `end` (local, in `zone`) repeating by `rule`.
Drill Recurring(const char* zone, LocalDateTime start, LocalDateTime end, const char* rule) {
  Drill d = InviteDrill();
  Expected<SysTime> s = LocalToSys(start, zone);
  Expected<SysTime> e = LocalToSys(end, zone);
  Expected<Recurrence> r = ParseRRule(rule);
  REQUIRE(s.ok());
  REQUIRE(e.ok());
  REQUIRE(r.ok());
  d.window.start = *s;
  d.window.end = *e;
  d.window.zone = zone;
  d.window.repeat = *r;
  return d;
}

// "2027-01-05T09:00:00Z/2027-01-05T10:00:00Z" for each of the drill's first `n` occurrences.
std::vector<std::string> OurOccurrences(const Drill& d, std::size_t n) {
  Expected<std::vector<Window>> all = Occurrences(d.window, *d.window.repeat, d.window.start, n);
  REQUIRE(all.ok());
  auto utc = [](SysTime t) {
    std::string s = FormatUtc(t);  // "...T09:00:00.000Z"
    return s.substr(0, 19) + "Z";
  };
  std::vector<std::string> out;
  for (const Window& w : *all) out.push_back(utc(w.start) + "/" + utc(w.end));
  return out;
}

// Checks that a calendar reading the invite of `d` sees exactly firedrill's first `n` occurrences
// (or all of them, when there are fewer). Skipped, visibly, without python3-icalendar.
void CheckCalendarExpansion(const Drill& d, std::size_t n) {
  Invite inv = Render(d);
  firedrill::testing::TempDir tmp;
  std::filesystem::path ics = tmp.path() / "invite.ics";
  std::filesystem::path script = tmp.path() / "expand.py";
  std::ofstream(ics, std::ios::binary) << inv.text;
  std::ofstream(script) << kExpandScript;

  // The general reader sees no error and the first window's instants.
  std::optional<boost::json::object> fields = firedrill::testing::ParseWithIcalendar(ics);
  if (!fields) return;  // the helper said why
  CHECK(fields->at("errors").as_array().empty());
  CHECK(Text(fields->at("dtstart")) == OurOccurrences(d, 1)[0].substr(0, 20));

  const std::string python = FIREDRILL_TEST_PYTHON;
  LocalRunner runner;
  std::string command =
      "'" + python + "' '" + script.string() + "' '" + ics.string() + "' " + std::to_string(n);
  Expected<CommandResult> run = RunBlocking(runner.Run(command, std::chrono::seconds(60)));
  REQUIRE(run.ok());
  if (run->exit_code == 77) {
    WARN("SKIPPED the RRULE expansion check: " << run->out);
    return;
  }
  INFO(command << "\nstderr: " << run->err << "\nstdout: " << run->out);
  REQUIRE(run->exit_code == 0);
  boost::json::object got = boost::json::parse(run->out).as_object();
  CHECK(got.at("errors").as_array().empty());
  // The same parts (the parser writes them in an order of its own).
  auto parts = [](std::string rule) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at <= rule.size();) {
      std::size_t end = std::min(rule.find(';', at), rule.size());
      out.push_back(rule.substr(at, end - at));
      at = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(parts(Text(got.at("rrule"))) == parts(FormatRRule(*d.window.repeat, d.window.zone)));
  std::vector<std::string> calendar;
  for (const boost::json::value& v : got.at("occurrences").as_array()) calendar.push_back(Text(v));
  CHECK(calendar == OurOccurrences(d, n));
}

// The lines from "BEGIN:VTIMEZONE" to "END:VTIMEZONE".
std::vector<std::string> TimezoneLines(const std::string& text) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& l : ContentLines(text)) {
    if (l == "BEGIN:VTIMEZONE") in = true;
    if (in) out.push_back(l);
    if (l == "END:VTIMEZONE") in = false;
  }
  return out;
}

}  // namespace

TEST_CASE("a recurring drill carries an RRULE with local times and the zone's VTIMEZONE",
          "[announce][recurrence]") {
  Drill d = Recurring("Europe/Copenhagen", {2027, 1, 5, 10, 0, 0, 0}, {2027, 1, 5, 11, 0, 0, 0},
                      "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU");
  Invite inv = Render(d);
  CHECK(OneLine(inv.text, "DTSTART;") == "DTSTART;TZID=Europe/Copenhagen:20270105T100000");
  CHECK(OneLine(inv.text, "DTEND;") == "DTEND;TZID=Europe/Copenhagen:20270105T110000");
  CHECK(OneLine(inv.text, "RRULE:FREQ=MONTHLY") == "RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU");
  CHECK(TimezoneLines(inv.text) == std::vector<std::string>{
                                       "BEGIN:VTIMEZONE",
                                       "TZID:Europe/Copenhagen",
                                       "BEGIN:DAYLIGHT",
                                       "DTSTART:19700329T020000",
                                       "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                                       "TZOFFSETFROM:+0100",
                                       "TZOFFSETTO:+0200",
                                       "TZNAME:CEST",
                                       "END:DAYLIGHT",
                                       "BEGIN:STANDARD",
                                       "DTSTART:19701025T030000",
                                       "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                                       "TZOFFSETFROM:+0200",
                                       "TZOFFSETTO:+0100",
                                       "TZNAME:CET",
                                       "END:STANDARD",
                                       "END:VTIMEZONE",
                                   });
  CHECK_THAT(InviteDescription(d, false),
             Catch::Contains("Repeats: FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU (each time at the same "
                             "local time in Europe/Copenhagen)\n"));
  // Across the change to summer time: 2027-01-05 09:00Z, then 2027-04-06 08:00Z.
  CheckCalendarExpansion(d, 8);
}

TEST_CASE("a calendar expands recurring invites to firedrill's own occurrences",
          "[announce][recurrence]") {
  SECTION("weekly in New York until a date, across the change to summer time") {
    Drill d = Recurring("America/New_York", {2027, 3, 8, 9, 0, 0, 0}, {2027, 3, 8, 9, 30, 0, 0},
                        "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270401");
    CHECK(OneLine(Render(d).text, "RRULE:FREQ=WEEKLY") ==
          "RRULE:FREQ=WEEKLY;UNTIL=20270402T035959Z;BYDAY=MO,WE");
    CHECK(OurOccurrences(d, 100).size() == 8);
    CheckCalendarExpansion(d, 100);
  }
  SECTION("in UTC the times stay in UTC and need no VTIMEZONE") {
    Drill d = Recurring("UTC", {2027, 1, 29, 14, 0, 0, 0}, {2027, 1, 29, 15, 0, 0, 0},
                        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4");
    Invite inv = Render(d);
    CHECK(OneLine(inv.text, "DTSTART") == "DTSTART:20270129T140000Z");
    CHECK(OneLine(inv.text, "RRULE:") == "RRULE:FREQ=MONTHLY;COUNT=4;BYDAY=-1FR");
    CHECK(TimezoneLines(inv.text).empty());
    CheckCalendarExpansion(d, 10);
  }
  SECTION("a zone without daylight saving time has one standard observance") {
    Drill d = Recurring("Asia/Tokyo", {2027, 11, 25, 10, 0, 0, 0}, {2027, 11, 25, 12, 0, 0, 0},
                        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH");
    Invite inv = Render(d);
    CHECK(TimezoneLines(inv.text) ==
          std::vector<std::string>{"BEGIN:VTIMEZONE", "TZID:Asia/Tokyo", "BEGIN:STANDARD",
                                   "DTSTART:19700101T000000", "TZOFFSETFROM:+0900",
                                   "TZOFFSETTO:+0900", "TZNAME:JST", "END:STANDARD",
                                   "END:VTIMEZONE"});
    CheckCalendarExpansion(d, 4);
  }
  SECTION("southern hemisphere: summer time from October to April") {
    Drill d = Recurring("Australia/Sydney", {2027, 1, 31, 9, 0, 0, 0}, {2027, 1, 31, 10, 0, 0, 0},
                        "FREQ=MONTHLY;BYMONTHDAY=-1");
    CheckCalendarExpansion(d, 14);
  }
}

TEST_CASE("a series a calendar would expand differently is invited without an RRULE",
          "[announce][recurrence]") {
  SECTION("an occurrence during which the clocks change is an hour shorter") {
    // Saturday nights 23:00-04:00 in Copenhagen; on 2027-03-27/28 the night has one hour less,
    // which a calendar (giving each occurrence the first one's length) would not show.
    Drill d = Recurring("Europe/Copenhagen", {2027, 3, 6, 23, 0, 0, 0}, {2027, 3, 7, 4, 0, 0, 0},
                        "FREQ=WEEKLY");
    Invite inv = Render(d);
    CHECK(LinesStartingWith(inv.text, "RRULE").empty());
    CHECK(TimezoneLines(inv.text).empty());
    CHECK(OneLine(inv.text, "DTSTART") == "DTSTART:20270306T220000Z");
    CHECK_THAT(OneLine(inv.text, "DESCRIPTION:"), Catch::Contains("Repeats: FREQ=WEEKLY"));
  }
  SECTION("the zone's rules change during the series") {
    // The United States moved its summer time dates in 2007.
    Drill d = Recurring("America/New_York", {2005, 1, 10, 9, 0, 0, 0}, {2005, 1, 10, 10, 0, 0, 0},
                        "FREQ=WEEKLY;COUNT=200");
    Invite inv = Render(d);
    CHECK(LinesStartingWith(inv.text, "RRULE").empty());
    CHECK(OneLine(inv.text, "DTSTART") == "DTSTART:20050110T140000Z");
  }
  SECTION("the window starts in the repeated fall-back hour") {
    // 01:30 EST on 2027-11-07, the second 01:30 of that night: a local DTSTART would be the first.
    Drill d = Recurring("America/New_York", {2027, 11, 6, 1, 30, 0, 0}, {2027, 11, 6, 1, 45, 0, 0},
                        "FREQ=DAILY");
    d.window.start = SysTime{std::chrono::sys_days{std::chrono::year{2027} / 11 / 7} + 6h + 30min};
    d.window.end = d.window.start + 15min;
    Invite inv = Render(d);
    CHECK(LinesStartingWith(inv.text, "RRULE").empty());
    CHECK(OneLine(inv.text, "DTSTART") == "DTSTART:20271107T063000Z");
  }
}
