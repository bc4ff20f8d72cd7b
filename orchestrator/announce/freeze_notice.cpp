#include "orchestrator/announce/freeze_notice.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "orchestrator/announce/chat_notice.h"

namespace firedrill {
namespace {

namespace json = boost::json;

}  // namespace

std::string_view FreezeNoticeEventName(FreezeNoticeEvent event) {
  switch (event) {
    case FreezeNoticeEvent::kStarted:
      return "freeze-started";
    case FreezeNoticeEvent::kThawing:
      return "freeze-thawing";
    case FreezeNoticeEvent::kEnded:
      return "freeze-ended";
  }
  return "freeze-started";
}

std::string FreezeNoticeText(const FreezeNoticeFacts& f) {
  std::string text;
  switch (f.event) {
    case FreezeNoticeEvent::kStarted:
      text = fmt::format(
          "[FREEZE] All drills stood down at {} ({}, by {}): {}. {} running drill{} aborted; "
          "every fault is being restored. No drill injects until the freeze ends.",
          FormatUtc(f.at), f.cause, f.by, f.reason, f.drills_stopped,
          f.drills_stopped == 1 ? "" : "s");
      break;
    case FreezeNoticeEvent::kThawing:
      text = fmt::format(
          "[FREEZE] The incident's alerts have resolved; drills stay stood down until {} "
          "(cool-down). Freeze: {}",
          f.thaw_at ? FormatUtc(*f.thaw_at) : std::string("?"), f.reason);
      break;
    case FreezeNoticeEvent::kEnded:
      text = fmt::format("[FREEZE] The freeze ended at {} (by {}): {}. Drills may run again.",
                         FormatUtc(f.at), f.by, f.reason);
      break;
  }
  return FlatNoticeText(text);
}

std::string SlackFreezeJson(const FreezeNoticeFacts& facts) {
  return json::serialize(json::object{{"text", EscapeSlackText(FreezeNoticeText(facts))}});
}

std::string GenericFreezeJson(const FreezeNoticeFacts& f) {
  json::object o{{"freeze", true},
                 {"event", FreezeNoticeEventName(f.event)},
                 {"cause", f.cause},
                 {"reason", f.reason},
                 {"by", f.by},
                 {"at", FormatUtc(f.at)},
                 {"drills_stopped", f.drills_stopped},
                 {"text", FreezeNoticeText(f)}};
  o["thaw_at"] = f.thaw_at ? json::value(FormatUtc(*f.thaw_at)) : json::value(nullptr);
  return json::serialize(o);
}

}  // namespace firedrill
