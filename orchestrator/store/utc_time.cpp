#include "orchestrator/store/utc_time.h"

#include <algorithm>
#include <charconv>

namespace firedrill {

std::optional<SysTime> ParseUtc(std::string_view text) {
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    const char* b = text.data() + pos;
    if (!std::all_of(b, b + len, [](char c) { return c >= '0' && c <= '9'; })) return false;
    return std::from_chars(b, b + len, out).ec == std::errc();
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!num(0, 4, y) || text.size() < 10 || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' ||
      !num(8, 2, d)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  if (text.size() > 10) {
    if (text.size() < 20 || text[10] != 'T' || !num(11, 2, h) || text[13] != ':' ||
        !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s) || h > 23 || mi > 59 || s > 59) {
      return std::nullopt;
    }
    std::string_view rest = text.substr(19);
    if (rest.size() == 5 && rest[0] == '.' && rest[4] == 'Z') {
      if (!num(20, 3, ms)) return std::nullopt;
    } else if (rest != "Z") {
      return std::nullopt;
    }
  }
  return SysTime(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s) + std::chrono::milliseconds(ms);
}

}  // namespace firedrill
