#include "orchestrator/announce/chat_notice.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>
#include <utility>

#include "drills/zoned_time.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The one-line text must stay one line in every chat client: any run of control characters
// (line breaks, tabs, escape sequences) becomes a single space.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_control = false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      if (!in_control) out += ' ';
      in_control = true;
      continue;
    }
    in_control = false;
    out += c;
  }
  return out;
}

// OneLine without spaces at either end.
std::string Flat(std::string_view text) {
  std::string out = OneLine(text);
  std::size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return out.substr(begin, out.find_last_not_of(' ') + 1 - begin);
}

// A sentence of free text: ends with a full stop unless it already ends with punctuation.
std::string Sentence(std::string_view text) {
  std::string out = Flat(text);
  if (out.empty()) return out;
  char last = out.back();
  if (last != '.' && last != '!' && last != '?') out += '.';
  return out;
}

// "24h", "23h 55m", "45m"; "less than a minute" under a minute. Rounded as people say it: to the
// nearest minute below an hour, to the nearest 5 minutes from an hour on. The T-24h reminder is
// sent a little after T-24h (and its delivery may be retried for a minute or two), so it must
// not read "23h 59m".
std::string CountDown(std::chrono::milliseconds left) {
  using std::chrono::minutes;
  if (left < minutes{1}) return "less than a minute";
  auto rounded = std::chrono::round<minutes>(left).count();
  if (rounded >= 60) rounded = std::chrono::round<minutes>(left / 5).count() * 5;
  const auto hours = rounded / 60;
  const auto rest = rounded % 60;
  if (hours == 0) return fmt::format("{}m", rest);
  if (rest == 0) return fmt::format("{}h", hours);
  return fmt::format("{}h {}m", hours, rest);
}

// What happens, right after "[DRILL] <id> — ".
std::string Headline(const NoticeFacts& f) {
  switch (f.event) {
    case NoticeEvent::kScheduled:
      return "scheduled";
    case NoticeEvent::kReminder:
      if (f.at >= f.window_start) return "reminder, the window is open now";
      return fmt::format("reminder, the window opens in {}", CountDown(f.window_start - f.at));
    case NoticeEvent::kWindowStart:
      return "window opens now";
    case NoticeEvent::kRestore:
      return "restoring";
    case NoticeEvent::kEnd:
      return "drill over";
    case NoticeEvent::kCancelled:
      return "CANCELLED";
  }
  return "notice";
}

// What the event means for the people reading it.
std::string Explanation(const NoticeFacts& f) {
  std::string service = Flat(f.service);
  switch (f.event) {
    case NoticeEvent::kScheduled:
    case NoticeEvent::kReminder:
      return fmt::format("Faults will be introduced into {} on purpose during the window.",
                         service);
    case NoticeEvent::kWindowStart:
      return fmt::format(
          "Faults are being introduced into {} on purpose now; respond as you would to a real "
          "incident.",
          service);
    case NoticeEvent::kRestore:
      return fmt::format("Every fault introduced into {} is being put back.", service);
    case NoticeEvent::kEnd:
      return "The window is closed.";
    case NoticeEvent::kCancelled:
      return fmt::format("This drill will not take place; nothing will be changed on {}.", service);
  }
  return "";
}

}  // namespace

std::string_view NoticeEventName(NoticeEvent event) {
  switch (event) {
    case NoticeEvent::kScheduled:
      return "scheduled";
    case NoticeEvent::kReminder:
      return "reminder";
    case NoticeEvent::kWindowStart:
      return "window-start";
    case NoticeEvent::kRestore:
      return "restore";
    case NoticeEvent::kEnd:
      return "end";
    case NoticeEvent::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

NoticeFacts NoticeFactsOf(const Drill& drill, NoticeEvent event, SysTime at, std::string detail) {
  NoticeFacts f;
  f.drill_id = drill.id;
  f.title = drill.title;
  f.service = drill.service;
  f.owner = drill.owner;
  f.playbook = drill.playbook;
  f.window_start = drill.window.start;
  f.window_end = drill.window.end;
  f.zone = drill.window.zone;
  f.event = event;
  f.at = at;
  f.detail = std::move(detail);
  return f;
}

std::string NoticeText(const NoticeFacts& f) {
  std::string out = fmt::format("[DRILL] {} — {}: {} (service {}).", Flat(f.drill_id), Headline(f),
                                Flat(f.title), Flat(f.service));
  std::string zone = Flat(f.zone);
  out += fmt::format(" Window {} to {} ({}; UTC {} to {}).", FormatInZone(f.window_start, zone),
                     FormatInZone(f.window_end, zone), zone, FormatUtc(f.window_start),
                     FormatUtc(f.window_end));
  out += ' ';
  out += Explanation(f);
  if (std::string detail = Sentence(f.detail); !detail.empty()) out += ' ' + detail;
  if (std::string owner = Sentence(f.owner); !owner.empty()) out += " Owner: " + owner;
  out += " This is a practice drill, not a real incident.";
  // Last and without a full stop after it, so that no chat client takes the stop for part of
  // the link.
  if (std::string playbook = Flat(f.playbook); !playbook.empty()) {
    out += " Playbook: " + playbook;
  }
  return out;
}

std::string FlatNoticeText(std::string_view text) { return Flat(text); }

std::string EscapeSlackText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SlackNoticeJson(const NoticeFacts& facts) {
  return json::serialize(json::object{{"text", EscapeSlackText(NoticeText(facts))}});
}

std::string GenericNoticeJson(const NoticeFacts& f) {
  json::object doc;
  doc["drill"] = true;
  doc["drill_id"] = f.drill_id;
  doc["event"] = NoticeEventName(f.event);
  doc["title"] = f.title;
  doc["service"] = f.service;
  doc["owner"] = f.owner;
  doc["playbook"] = f.playbook;
  doc["window_start"] = FormatUtc(f.window_start);
  doc["window_end"] = FormatUtc(f.window_end);
  doc["zone"] = f.zone;
  doc["at"] = FormatUtc(f.at);
  doc["detail"] = f.detail;
  doc["text"] = NoticeText(f);
  return json::serialize(doc);
}

}  // namespace firedrill
