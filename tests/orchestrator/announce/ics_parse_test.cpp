// Every invite these tests generate is read back by a real iCalendar parser (python3-icalendar),
// which must see exactly the values that were meant: unfolded, unescaped, as UTC instants.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "orchestrator/announce/icalendar.h"
#include "tests/orchestrator/announce/ics_parser.h"
#include "tests/orchestrator/announce/invite_drill.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::AwkwardDrill;
using firedrill::testing::InviteDrill;
using firedrill::testing::ParseWithIcalendar;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using firedrill::testing::kStamp;

struct ExpectedAttendee {
  std::string uri;
  std::string cn;  // "" when the invite carries no CN
  std::string role;
};

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string("<missing>");
}

void CheckAttendees(const json::array& got, const std::vector<ExpectedAttendee>& want,
                    bool cancel) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const json::object& a = got[i].as_object();
    INFO("attendee " << i);
    CHECK(Str(a, "uri") == want[i].uri);
    if (want[i].cn.empty()) {
      CHECK(a.if_contains("cn") == nullptr);
    } else {
      CHECK(Str(a, "cn") == want[i].cn);
    }
    CHECK(Str(a, "role") == want[i].role);
    CHECK(Str(a, "partstat") == "NEEDS-ACTION");
    CHECK(Str(a, "rsvp") == (cancel ? "FALSE" : "TRUE"));
  }
}

// Renders `d`, writes it to a file, parses it and checks every field against what was meant.
void CheckRoundTrip(const Drill& d, int sequence, bool cancel, const std::string& organizer_cn,
                    const std::string& dtstart, const std::string& dtend,
                    const std::vector<ExpectedAttendee>& attendees) {
  Expected<Invite> inv = RenderInvite(d, InviteOptions{kStamp, sequence, cancel});
  REQUIRE(inv.ok());
  TempDir tmp;
  fs::path file = tmp.path() / "invite.ics";
  std::ofstream(file, std::ios::binary) << inv->text;
  std::optional<json::object> got = ParseWithIcalendar(file);
  if (!got) return;  // the helper has said why, with WARN
  const json::object& v = *got;
  INFO(json::serialize(v));
  CHECK(v.at("errors").as_array().empty());
  CHECK(Str(v, "component") == "VCALENDAR");
  CHECK(Str(v, "version") == "2.0");
  CHECK_FALSE(Str(v, "prodid").empty());
  // Nobody to invite: published (RFC 5546 has no REQUEST or CANCEL without an ATTENDEE).
  CHECK(Str(v, "method") == (attendees.empty() ? "PUBLISH" : cancel ? "CANCEL" : "REQUEST"));
  CHECK(v.at("events").as_int64() == 1);
  CHECK(Str(v, "uid") == d.id + "@drills.firedrill.invalid");
  CHECK(Str(v, "summary") == "[DRILL] " + d.title + " (" + d.id + ")");
  std::string description = Str(v, "description");
  std::string want = InviteDescription(d, cancel);
  std::size_t diff =
      std::mismatch(description.begin(), description.end(), want.begin(), want.end()).first -
      description.begin();
  INFO("description differs at octet " << diff << ": parsed \"" << description.substr(diff, 20)
                                       << "\", meant \"" << want.substr(diff, 20) << "\"");
  CHECK(description == want);
  CHECK(Str(v, "status") == (cancel ? "CANCELLED" : "CONFIRMED"));
  CHECK(v.at("sequence").as_int64() == sequence);
  CHECK(Str(v, "dtstamp") == "2027-04-01T08:30:00Z");
  CHECK(Str(v, "dtstart") == dtstart);
  CHECK(Str(v, "dtend") == dtend);
  const json::object& org = v.at("organizer").as_object();
  CHECK(Str(org, "uri") == "mailto:" + ParseMailbox(d.owner).address);
  CHECK(Str(org, "cn") == organizer_cn);
  CheckAttendees(v.at("attendees").as_array(), attendees, cancel);
}

}  // namespace

TEST_CASE("python3-icalendar reads a drill's request and cancellation as meant", "[announce]") {
  std::vector<ExpectedAttendee> attendees = {
      {"mailto:jonas.weber@example.com", "", "REQ-PARTICIPANT"},
      {"mailto:dba-oncall@example.com", "", "REQ-PARTICIPANT"},
      {"mailto:product-owner@example.com", "", "OPT-PARTICIPANT"},
      {"mailto:checkout-team@example.com", "", "OPT-PARTICIPANT"},
      {"mailto:dba@example.com", "", "OPT-PARTICIPANT"},
  };
  for (bool cancel : {false, true}) {
    INFO((cancel ? "cancel" : "request"));
    CheckRoundTrip(InviteDrill(), cancel ? 1 : 0, cancel, "Platform Team", "2027-04-14T12:00:00Z",
                   "2027-04-14T13:00:00Z", attendees);
  }
}

TEST_CASE("python3-icalendar reads escaped, folded multi-byte text back unchanged", "[announce]") {
  Drill d = AwkwardDrill();
  // A window that crosses midnight and a date line, to see the instants survive as UTC.
  d.window.zone = "Pacific/Auckland";
  d.window.start = SysTime{std::chrono::sys_days{std::chrono::year{2027} / 12 / 31} +
                           std::chrono::hours{11} + std::chrono::minutes{30}};
  d.window.end = d.window.start + std::chrono::hours{1};
  std::vector<ExpectedAttendee> attendees = {
      {"mailto:aase@example.com", "Åse Ødegård", "REQ-PARTICIPANT"},
      {"mailto:team@example.com", "", "OPT-PARTICIPANT"},
      {"mailto:x@y", "printer; lpr", "OPT-PARTICIPANT"},
  };
  for (int sequence : {0, 5}) {
    INFO("sequence " << sequence);
    CheckRoundTrip(d, sequence, sequence > 0, "Søren Ø. Ågård, SRE", "2027-12-31T11:30:00Z",
                   "2027-12-31T12:30:00Z", attendees);
  }
}

TEST_CASE("python3-icalendar reads descriptions whose characters sit on every fold boundary",
          "[announce]") {
  // Shift a run of 2-, 3- and 4-octet characters by one octet at a time, so that each kind of
  // character lands on the 75-octet boundary of the DESCRIPTION line at least once.
  for (std::size_t shift = 0; shift < 8; ++shift) {
    Drill d = InviteDrill();
    d.participants.clear();
    d.announce.attendees.clear();
    d.hypothesis = std::string(shift, 'x');
    for (int i = 0; i < 20; ++i) d.hypothesis += "é€🐣";
    INFO("shift " << shift);
    CheckRoundTrip(d, 0, false, "Platform Team", "2027-04-14T12:00:00Z", "2027-04-14T13:00:00Z",
                   {});
  }
}
