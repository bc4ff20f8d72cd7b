#include "orchestrator/announce/freeze_notice.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace firedrill {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// 2026-12-06T10:00:00Z
const SysTime kAt = SysTime(std::chrono::seconds(1796551200));

FreezeNoticeFacts Started(std::size_t stopped) {
  FreezeNoticeFacts f;
  f.event = FreezeNoticeEvent::kStarted;
  f.cause = "incident";
  f.reason = "real incident: DatabaseDown (severity=critical)";
  f.by = "alert from alertmanager";
  f.at = kAt;
  f.drills_stopped = stopped;
  return f;
}

TEST_CASE("freeze notice: the start names cause, who, why and how many drills stopped",
          "[announce][freeze]") {
  CHECK(FreezeNoticeText(Started(2)) ==
        "[FREEZE] All drills stood down at 2026-12-06T10:00:00.000Z (incident, by alert from "
        "alertmanager): real incident: DatabaseDown (severity=critical). 2 running drills "
        "aborted; every fault is being restored. No drill injects until the freeze ends.");
  CHECK_THAT(FreezeNoticeText(Started(1)), Catch::Contains(" 1 running drill aborted;"));
  CHECK_THAT(FreezeNoticeText(Started(0)), Catch::Contains(" 0 running drills aborted;"));
}

TEST_CASE("freeze notice: thawing tells when drills may run again, the end says who ended it",
          "[announce][freeze]") {
  FreezeNoticeFacts thaw = Started(0);
  thaw.event = FreezeNoticeEvent::kThawing;
  thaw.thaw_at = kAt + 10min;
  CHECK(FreezeNoticeText(thaw) ==
        "[FREEZE] The incident's alerts have resolved; drills stay stood down until "
        "2026-12-06T10:10:00.000Z (cool-down). Freeze: real incident: DatabaseDown "
        "(severity=critical)");
  FreezeNoticeFacts ended;
  ended.event = FreezeNoticeEvent::kEnded;
  ended.cause = "manual";
  ended.reason = "all clear";
  ended.by = "ann";
  ended.at = kAt + 1h;
  CHECK(FreezeNoticeText(ended) ==
        "[FREEZE] The freeze ended at 2026-12-06T11:00:00.000Z (by ann): all clear. Drills may "
        "run again.");
}

TEST_CASE("freeze notice: control characters of a reason never reach the chat line",
          "[announce][freeze]") {
  FreezeNoticeFacts f = Started(1);
  f.reason = "stop\r\nnow\tplease";
  std::string text = FreezeNoticeText(f);
  CHECK(text.find_first_of("\r\n\t") == std::string::npos);
  CHECK_THAT(text, Catch::Contains("stop now please"));
}

TEST_CASE("freeze notice: the webhook bodies carry the facts receivers route on",
          "[announce][freeze]") {
  FreezeNoticeFacts f = Started(2);
  json::object generic = json::parse(GenericFreezeJson(f)).as_object();
  CHECK(generic.at("freeze").as_bool());
  CHECK(generic.at("event").as_string() == "freeze-started");
  CHECK(generic.at("cause").as_string() == "incident");
  CHECK(generic.at("by").as_string() == "alert from alertmanager");
  CHECK(generic.at("at").as_string() == "2026-12-06T10:00:00.000Z");
  CHECK(generic.at("drills_stopped").as_int64() == 2);
  CHECK(generic.at("thaw_at").is_null());
  CHECK(generic.at("text").as_string() == FreezeNoticeText(f));
  f.event = FreezeNoticeEvent::kThawing;
  f.thaw_at = kAt + 5min;
  CHECK(json::parse(GenericFreezeJson(f)).as_object().at("thaw_at").as_string() ==
        "2026-12-06T10:05:00.000Z");
  // Slack's incoming webhooks take {"text"} with &, < and > escaped.
  f.reason = "a <b> & c";
  json::object slack = json::parse(SlackFreezeJson(f)).as_object();
  CHECK(slack.size() == 1);
  CHECK_THAT(std::string(slack.at("text").as_string()), Catch::Contains("a &lt;b&gt; &amp; c"));
}

TEST_CASE("freeze notice: the wire names never change", "[announce][freeze]") {
  CHECK(FreezeNoticeEventName(FreezeNoticeEvent::kStarted) == "freeze-started");
  CHECK(FreezeNoticeEventName(FreezeNoticeEvent::kThawing) == "freeze-thawing");
  CHECK(FreezeNoticeEventName(FreezeNoticeEvent::kEnded) == "freeze-ended");
}

}  // namespace
}  // namespace firedrill
