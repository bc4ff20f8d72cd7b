#include "orchestrator/alerts/rfc3339.h"

#include <chrono>
#include <string>

namespace firedrill {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; false if any is missing or not a digit.
bool ReadDigits(std::string_view s, std::size_t pos, int n, int* out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Error Bad(std::string_view text, std::string_view why) {
  // Quote at most a short prefix: the text comes from the network.
  std::string shown(text.substr(0, 64));
  return Error("bad RFC 3339 time \"" + shown + (text.size() > 64 ? "..." : "") +
               "\": " + std::string(why));
}

}  // namespace

Expected<SysTime> ParseRfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, 0, 4, &year) || s.size() < 5 || s[4] != '-' || !ReadDigits(s, 5, 2, &month) ||
      s.size() < 8 || s[7] != '-' || !ReadDigits(s, 8, 2, &day)) {
    return Bad(s, "expected a date YYYY-MM-DD");
  }
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) {
    return Bad(s, "expected 'T' between date and time");
  }
  if (!ReadDigits(s, 11, 2, &hour) || s.size() < 14 || s[13] != ':' ||
      !ReadDigits(s, 14, 2, &minute) || s.size() < 17 || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &second)) {
    return Bad(s, "expected a time HH:MM:SS");
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t first = pos;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (pos - first < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == first) return Bad(s, "expected digits after '.'");
    for (std::size_t d = pos - first; d < 3; ++d) millis *= 10;
  }
  if (pos >= s.size()) return Bad(s, "missing zone offset ('Z' or +hh:mm)");
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!ReadDigits(s, pos + 1, 2, &oh) || s.size() < pos + 4 || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, &om)) {
      return Bad(s, "expected a zone offset +hh:mm or -hh:mm");
    }
    if (oh > 23 || om > 59) return Bad(s, "zone offset out of range");
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return Bad(s, "expected 'Z' or a zone offset after the time");
  }
  if (pos != s.size()) return Bad(s, "unexpected text after the zone offset");

  namespace ch = std::chrono;
  ch::year_month_day ymd{ch::year{year}, ch::month{static_cast<unsigned>(month)},
                         ch::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return Bad(s, "no such calendar date");
  if (hour > 23 || minute > 59) return Bad(s, "time of day out of range");
  if (second == 60) return Bad(s, "leap seconds are not supported");
  if (second > 59) return Bad(s, "seconds out of range");
  SysTime t = ch::sys_days{ymd} + ch::hours{hour} + ch::minutes{minute} + ch::seconds{second} +
              ch::milliseconds{millis} - ch::minutes{offset_minutes};
  return t;
}

bool IsGoZeroTime(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) return false;
  namespace ch = std::chrono;
  return *t == SysTime{ch::sys_days{ch::year{1} / ch::January / 1}};
}

}  // namespace firedrill
