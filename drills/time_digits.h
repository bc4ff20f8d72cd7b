// The digits of dates and times written straight into a buffer, without a stream or a format
// string per call: shared by FormatUtc (timestamp.cpp) and FormatInZone (zoned_time.cpp).
#pragma once

#include <chrono>

namespace firedrill::time_digits {

/// The years whose dates PutDate writes (four digits, no sign); others take a slower way.
inline constexpr int kFirstFastYear = 1000;
inline constexpr int kLastFastYear = 9999;

/// Writes `v` (0..99) as two digits at `p` and advances it.
inline void Put2(char*& p, int v) {
  *p++ = static_cast<char>('0' + v / 10);
  *p++ = static_cast<char>('0' + v % 10);
}

/// Writes `v` (0..999) as three digits at `p` and advances it.
inline void Put3(char*& p, int v) {
  *p++ = static_cast<char>('0' + v / 100);
  Put2(p, v % 100);
}

/// Writes "YYYY-MM-DD" (a year of kFirstFastYear..kLastFastYear) at `p` and advances it.
inline void PutDate(char*& p, const std::chrono::year_month_day& ymd) {
  int year = static_cast<int>(ymd.year());
  Put2(p, year / 100);
  Put2(p, year % 100);
  *p++ = '-';
  Put2(p, static_cast<int>(static_cast<unsigned>(ymd.month())));
  *p++ = '-';
  Put2(p, static_cast<int>(static_cast<unsigned>(ymd.day())));
}

/// Writes "hh:mm:ss" for `seconds` (0..86399) into the day at `p` and advances it.
inline void PutTime(char*& p, int seconds) {
  Put2(p, seconds / 3600);
  *p++ = ':';
  Put2(p, seconds / 60 % 60);
  *p++ = ':';
  Put2(p, seconds % 60);
}

}  // namespace firedrill::time_digits
