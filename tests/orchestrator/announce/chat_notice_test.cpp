#include "orchestrator/announce/chat_notice.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "tests/orchestrator/announce/invite_drill.h"

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::vector<NoticeEvent> kAllEvents = {NoticeEvent::kScheduled,   NoticeEvent::kReminder,
                                             NoticeEvent::kWindowStart, NoticeEvent::kRestore,
                                             NoticeEvent::kEnd,         NoticeEvent::kCancelled};

// The invite drill (2027-04-14 14:00-15:00 Europe/Berlin, 12:00-13:00 UTC), `event` at one hour
// before the window.
NoticeFacts Facts(NoticeEvent event, std::string detail = {}) {
  Drill drill = testing::InviteDrill();
  return NoticeFactsOf(drill, event, drill.window.start - 1h, std::move(detail));
}

json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  INFO(text);
  REQUIRE_FALSE(ec);
  REQUIRE(v.is_object());
  return v.as_object();
}

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  INFO(key);
  REQUIRE(v != nullptr);
  REQUIRE(v->is_string());
  return std::string(v->as_string());
}

TEST_CASE("notice events have their documented wire names", "[announce]") {
  CHECK(NoticeEventName(NoticeEvent::kScheduled) == "scheduled");
  CHECK(NoticeEventName(NoticeEvent::kReminder) == "reminder");
  CHECK(NoticeEventName(NoticeEvent::kWindowStart) == "window-start");
  CHECK(NoticeEventName(NoticeEvent::kRestore) == "restore");
  CHECK(NoticeEventName(NoticeEvent::kEnd) == "end");
  CHECK(NoticeEventName(NoticeEvent::kCancelled) == "cancelled");
}

TEST_CASE("notice facts are taken from the drill", "[announce]") {
  Drill drill = testing::InviteDrill();
  NoticeFacts f = NoticeFactsOf(drill, NoticeEvent::kEnd, drill.window.end, "all good");
  CHECK(f.drill_id == "checkout-db-blackhole");
  CHECK(f.title == drill.title);
  CHECK(f.service == "checkout");
  CHECK(f.owner == drill.owner);
  CHECK(f.playbook == drill.playbook);
  CHECK(f.window_start == drill.window.start);
  CHECK(f.window_end == drill.window.end);
  CHECK(f.zone == "Europe/Berlin");
  CHECK(f.event == NoticeEvent::kEnd);
  CHECK(f.at == drill.window.end);
  CHECK(f.detail == "all good");
}

TEST_CASE("the window-start notice reads as a drill announcement", "[announce]") {
  CHECK(NoticeText(Facts(NoticeEvent::kWindowStart)) ==
        "[DRILL] checkout-db-blackhole — window opens now: Checkout loses its PostgreSQL "
        "database (service checkout). Window 2027-04-14 14:00:00 CEST (+02:00) to 2027-04-14 "
        "15:00:00 CEST (+02:00) (Europe/Berlin; UTC 2027-04-14T12:00:00.000Z to "
        "2027-04-14T13:00:00.000Z). Faults are being introduced into checkout on purpose now; "
        "respond as you would to a real incident. Owner: Platform Team <platform@example.com>. "
        "This is a practice drill, not a real incident. Playbook: "
        "https://wiki.example.com/runbooks/checkout/database-unreachable");
}

TEST_CASE("every notice is marked as a drill, names the drill and shows zone and UTC times",
          "[announce]") {
  std::set<std::string> texts;
  for (NoticeEvent event : kAllEvents) {
    std::string text = NoticeText(Facts(event));
    INFO(text);
    CHECK(text.starts_with("[DRILL] checkout-db-blackhole — "));
    CHECK(text.find("This is a practice drill, not a real incident.") != std::string::npos);
    CHECK(text.find("2027-04-14 14:00:00 CEST (+02:00)") != std::string::npos);
    CHECK(text.find("2027-04-14T12:00:00.000Z") != std::string::npos);
    CHECK(text.find('\n') == std::string::npos);
    texts.insert(text);

    json::object slack = ParseObject(SlackNoticeJson(Facts(event)));
    std::string slack_text = StringField(slack, "text");
    CHECK(slack_text.starts_with("[DRILL] checkout-db-blackhole — "));
    CHECK(slack_text == EscapeSlackText(text));

    json::object generic = ParseObject(GenericNoticeJson(Facts(event)));
    CHECK(StringField(generic, "text") == text);
    CHECK(StringField(generic, "event") == NoticeEventName(event));
  }
  CHECK(texts.size() == kAllEvents.size());  // each moment says something different
}

TEST_CASE("the generic notice carries every fact as its own JSON field", "[announce]") {
  NoticeFacts f = Facts(NoticeEvent::kEnd, "recovered by the team in 4m12s");
  json::object o = ParseObject(GenericNoticeJson(f));
  std::set<std::string> keys;
  for (const auto& entry : o) keys.insert(std::string(entry.key()));
  CHECK(keys == std::set<std::string>{"drill", "drill_id", "event", "title", "service", "owner",
                                      "playbook", "window_start", "window_end", "zone", "at",
                                      "detail", "text"});
  REQUIRE(o.at("drill").is_bool());
  CHECK(o.at("drill").as_bool());
  CHECK(StringField(o, "drill_id") == "checkout-db-blackhole");
  CHECK(StringField(o, "event") == "end");
  CHECK(StringField(o, "title") == "Checkout loses its PostgreSQL database");
  CHECK(StringField(o, "service") == "checkout");
  CHECK(StringField(o, "owner") == "Platform Team <platform@example.com>");
  CHECK(StringField(o, "playbook") ==
        "https://wiki.example.com/runbooks/checkout/database-unreachable");
  CHECK(StringField(o, "window_start") == "2027-04-14T12:00:00.000Z");
  CHECK(StringField(o, "window_end") == "2027-04-14T13:00:00.000Z");
  CHECK(StringField(o, "zone") == "Europe/Berlin");
  CHECK(StringField(o, "at") == "2027-04-14T11:00:00.000Z");
  CHECK(StringField(o, "detail") == "recovered by the team in 4m12s");
  CHECK(StringField(o, "text") == NoticeText(f));
}

TEST_CASE("the slack body is a single text field", "[announce]") {
  json::object o = ParseObject(SlackNoticeJson(Facts(NoticeEvent::kScheduled)));
  CHECK(o.size() == 1);
  CHECK(o.contains("text"));
}

TEST_CASE("slack text escapes ampersand and angle brackets and nothing else", "[announce]") {
  CHECK(EscapeSlackText("a & b <c> d") == "a &amp; b &lt;c&gt; d");
  CHECK(EscapeSlackText("&amp;") == "&amp;amp;");
  CHECK(EscapeSlackText("*bold* _it_ \"q\" 'a' æ🐣") == "*bold* _it_ \"q\" 'a' æ🐣");

  NoticeFacts f = Facts(NoticeEvent::kWindowStart);
  f.title = "Cache & DB <both> down > 5 min";
  json::object slack = ParseObject(SlackNoticeJson(f));
  std::string text = StringField(slack, "text");
  CHECK(text.find("Cache &amp; DB &lt;both&gt; down &gt; 5 min") != std::string::npos);
  CHECK(text.find("Platform Team &lt;platform@example.com&gt;") != std::string::npos);
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  // The generic webhook carries the text as it is: its readers are programs, not Slack.
  json::object generic = ParseObject(GenericNoticeJson(f));
  CHECK(StringField(generic, "text").find("Cache & DB <both> down > 5 min") != std::string::npos);
  CHECK(StringField(generic, "title") == "Cache & DB <both> down > 5 min");
}

TEST_CASE("line breaks in the facts become spaces in the text, not in the fields", "[announce]") {
  NoticeFacts f = Facts(NoticeEvent::kCancelled, "release freeze\r\nmoved to May\t ");
  f.title = "Two\nlines";
  std::string text = NoticeText(f);
  CHECK(text.find("Two lines (service checkout)") != std::string::npos);
  CHECK(text.find("release freeze moved to May.") != std::string::npos);
  CHECK(text.find_first_of("\r\n\t") == std::string::npos);
  json::object generic = ParseObject(GenericNoticeJson(f));
  CHECK(StringField(generic, "title") == "Two\nlines");
  CHECK(StringField(generic, "detail") == "release freeze\r\nmoved to May\t ");
}

TEST_CASE("the reminder counts down to the window, rounded as people would say it", "[announce]") {
  NoticeFacts f = Facts(NoticeEvent::kReminder);
  auto opens_in = [&](std::chrono::milliseconds before) {
    f.at = f.window_start - before;
    std::string text = NoticeText(f);
    std::size_t from = text.find("— reminder, ");
    REQUIRE(from != std::string::npos);
    std::size_t colon = text.find(':', from);
    return text.substr(from + std::string("— reminder, ").size(),
                       colon - from - std::string("— reminder, ").size());
  };
  // The daemon sends it at T-24h; a few milliseconds or seconds late is still "in 24h".
  CHECK(opens_in(24h) == "the window opens in 24h");
  CHECK(opens_in(24h - 1ms) == "the window opens in 24h");
  CHECK(opens_in(23h + 59min + 30s) == "the window opens in 24h");
  CHECK(opens_in(23h + 58min) == "the window opens in 24h");
  // Above an hour, to the nearest 5 minutes; below, to the nearest minute.
  CHECK(opens_in(23h + 57min) == "the window opens in 23h 55m");
  CHECK(opens_in(1h + 2min + 31s) == "the window opens in 1h 5m");
  CHECK(opens_in(59min + 40s) == "the window opens in 1h");
  CHECK(opens_in(59min + 20s) == "the window opens in 59m");
  CHECK(opens_in(44min + 40s) == "the window opens in 45m");
  CHECK(opens_in(45min) == "the window opens in 45m");
  CHECK(opens_in(60s) == "the window opens in 1m");
  CHECK(opens_in(59s) == "the window opens in less than a minute");
  CHECK(opens_in(10s) == "the window opens in less than a minute");
  CHECK(opens_in(0ms) == "the window is open now");
}

TEST_CASE("cancel and end notices carry their detail as a sentence", "[announce]") {
  std::string cancelled = NoticeText(Facts(NoticeEvent::kCancelled, "release freeze"));
  CHECK(cancelled.starts_with("[DRILL] checkout-db-blackhole — CANCELLED: "));
  CHECK(cancelled.find("This drill will not take place; nothing will be changed on checkout. "
                       "release freeze. Owner:") != std::string::npos);

  std::string ended = NoticeText(Facts(NoticeEvent::kEnd, "Recovered by the team in 4m12s!"));
  CHECK(ended.starts_with("[DRILL] checkout-db-blackhole — drill over: "));
  CHECK(ended.find("The window is closed. Recovered by the team in 4m12s! Owner:") !=
        std::string::npos);

  std::string no_detail = NoticeText(Facts(NoticeEvent::kRestore));
  CHECK(no_detail.find("is being put back. Owner:") != std::string::npos);
}

TEST_CASE("an empty playbook and owner are left out of the text", "[announce]") {
  NoticeFacts f = Facts(NoticeEvent::kScheduled);
  f.playbook.clear();
  f.owner = " ";
  std::string text = NoticeText(f);
  CHECK(text.find("Playbook") == std::string::npos);
  CHECK(text.find("Owner") == std::string::npos);
  CHECK(text.ends_with("This is a practice drill, not a real incident."));
}

}  // namespace
}  // namespace firedrill
