// Who an invite is for: a drill nobody can be invited to is published rather than requested
// (RFC 5546 allows no REQUEST without attendees), everyone the drill file names is listed in the
// description, and addresses with a non-ASCII local part (RFC 6531) are addresses.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "orchestrator/announce/icalendar.h"
#include "tests/orchestrator/announce/ics_parser.h"
#include "tests/orchestrator/announce/invite_drill.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::InviteDrill;
using firedrill::testing::ParseWithIcalendar;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const SysTime kAudienceStamp = SysTime{std::chrono::sys_days{std::chrono::year{2027} / 4 / 1}};

Invite RenderAudienceInvite(const Drill& d, bool cancel = false) {
  Expected<Invite> r = RenderInvite(d, InviteOptions{kAudienceStamp, cancel ? 1 : 0, cancel});
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

// Undoes RFC 5545 folding.
std::string Unfolded(const std::string& text) {
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

std::optional<json::object> Parsed(const Invite& inv) {
  TempDir tmp;
  fs::path file = tmp.path() / "invite.ics";
  std::ofstream(file, std::ios::binary) << inv.text;
  return ParseWithIcalendar(file);
}

Drill Nobody() {
  Drill d = InviteDrill();
  d.participants = {{"Kim from support", "responder"}};
  d.announce.attendees = {"the whole checkout team"};
  return d;
}

}  // namespace

TEST_CASE("a drill with nobody to invite is published, not requested", "[announce]") {
  for (bool cancel : {false, true}) {
    INFO((cancel ? "cancel" : "request"));
    Invite inv = RenderAudienceInvite(Nobody(), cancel);
    std::string text = Unfolded(inv.text);
    CHECK_THAT(text, Catch::Contains("\r\nMETHOD:PUBLISH\r\n"));
    CHECK_THAT(text, !Catch::Contains("METHOD:REQUEST") && !Catch::Contains("METHOD:CANCEL"));
    CHECK_THAT(text, !Catch::Contains("ATTENDEE") && !Catch::Contains("RSVP"));
    CHECK_THAT(text,
               Catch::Contains(cancel ? "\r\nSTATUS:CANCELLED\r\n" : "\r\nSTATUS:CONFIRMED\r\n"));
    CHECK_THAT(text, Catch::Contains("\r\nORGANIZER;CN=\"Platform Team\":mailto:"));
    CHECK(inv.method == "PUBLISH");
    std::optional<json::object> v = Parsed(inv);
    if (!v) continue;
    INFO(json::serialize(*v));
    CHECK(v->at("errors").as_array().empty());
    CHECK(v->at("method").as_string() == "PUBLISH");
    CHECK(v->at("attendees").as_array().empty());
  }
  // With one address it is a request again.
  Drill one = Nobody();
  one.announce.attendees.push_back("sre@example.com");
  Invite inv = RenderAudienceInvite(one);
  CHECK(inv.method == "REQUEST");
  CHECK_THAT(inv.text, Catch::Contains("\r\nMETHOD:REQUEST\r\n"));
  CHECK(RenderAudienceInvite(one, true).method == "CANCEL");
}

TEST_CASE("the description lists everyone, with or without an e-mail address", "[announce]") {
  Drill d = InviteDrill();
  d.participants.push_back({"Kim from support", "scribe"});
  d.announce.attendees = {"checkout-team@example.com", "The night shift",
                          "Checkout Team <CHECKOUT-TEAM@example.com>", "Kim from support",
                          "dba-oncall@example.com"};
  std::string description = InviteDescription(d, false);
  INFO(description);
  CHECK_THAT(description, Catch::Contains("\n- Kim from support (scribe)"));
  CHECK_THAT(description, Catch::Contains("\nAlso informed:\n- checkout-team@example.com\n"
                                          "- The night shift"));
  // Each person once: a second spelling of an address, a participant again.
  CHECK(description.find("CHECKOUT-TEAM") == std::string::npos);
  CHECK(description.find("Kim from support") == description.rfind("Kim from support"));
  CHECK(description.find("dba-oncall@example.com") == description.rfind("dba-oncall@example.com"));
  Invite inv = RenderAudienceInvite(d);
  CHECK(inv.not_invited == std::vector<std::string>{"Kim from support", "The night shift"});
  std::optional<json::object> v = Parsed(inv);
  if (v) CHECK(v->at("description").as_string() == description);
}

TEST_CASE("an address with a non-ASCII local part is an address (RFC 6531)", "[announce]") {
  Mailbox bare = ParseMailbox("team-æøå@example.dk");
  CHECK(bare.address == "team-æøå@example.dk");
  CHECK(bare.name.empty());
  Mailbox named = ParseMailbox("Ærø Team <ærø-drift@example.dk>");
  CHECK(named.address == "ærø-drift@example.dk");
  CHECK(named.name == "Ærø Team");
  // Still not addresses: a control character (even a C1 one), a stray byte, a non-ASCII domain.
  CHECK(ParseMailbox("te\xc2\x85"
                     "am@example.dk")
            .address.empty());
  CHECK(ParseMailbox("te\xff"
                     "am@example.dk")
            .address.empty());
  CHECK(ParseMailbox("team@exåmple.dk").address.empty());

  Drill d = InviteDrill();
  d.participants = {{"team-æøå@example.dk", "responder"}};
  d.announce.attendees = {};
  d.owner = "Åse <åse@example.dk>";
  Invite inv = RenderAudienceInvite(d);
  CHECK(inv.not_invited.empty());
  std::string text = Unfolded(inv.text);
  // In a URI the UTF-8 octets are percent-encoded (RFC 6068 section 2).
  CHECK_THAT(text, Catch::Contains("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                                   "mailto:team-%C3%A6%C3%B8%C3%A5@example.dk\r\n"));
  CHECK_THAT(text, Catch::Contains("ORGANIZER;CN=\"Åse\":mailto:%C3%A5se@example.dk\r\n"));
  std::optional<json::object> v = Parsed(inv);
  if (!v) return;
  INFO(json::serialize(*v));
  CHECK(v->at("errors").as_array().empty());
  REQUIRE(v->at("attendees").as_array().size() == 1);
  CHECK(v->at("attendees").as_array()[0].at("uri").as_string() ==
        "mailto:team-%C3%A6%C3%B8%C3%A5@example.dk");
}
