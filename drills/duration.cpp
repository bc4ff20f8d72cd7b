#include "drills/duration.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>

#include "drills/quoted.h"

namespace firedrill {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};
// Ordered largest first; "ms" must be tried before "m" when matching.
constexpr std::array<Unit, 5> kUnits = {
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};

Error Bad(std::string_view text, std::string_view why) {
  return Error{
      fmt::format("invalid duration {}: {} (expected e.g. \"90s\", \"5m\", "
                  "\"1h30m\"; units d, h, m, s, ms)",
                  Quoted(text), why)};
}

// "5 m", "1h 30m": the same without the spaces is what was meant.
Error Spaced(std::string_view text) {
  std::string joined(text.substr(0, 64));
  std::erase(joined, ' ');
  if (text.size() > 64) return Bad(text, "a space is not allowed in a duration");
  return Bad(text, fmt::format("a space is not allowed in a duration (write \"{}\")", joined));
}

}  // namespace

Expected<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  std::int64_t total = 0;
  std::size_t i = 0;
  int last_unit = -1;
  while (i < text.size()) {
    if (text[i] == ' ' && i > 0) return Spaced(text);
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return Bad(text, text[i] == '-' ? "must not be negative" : "expected a number");
    }
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return Bad(text, "too large");
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    std::size_t start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(start, i - start);
    if (unit.empty() && i < text.size() && text[i] == ' ') return Spaced(text);
    if (unit.empty()) return Bad(text, "missing unit");
    int found = -1;
    for (int u = 0; u < static_cast<int>(kUnits.size()); ++u) {
      if (kUnits[u].name == unit) found = u;
    }
    if (found < 0) return Bad(text, fmt::format("unknown unit {}", Quoted(unit)));
    if (found <= last_unit) return Bad(text, "units must appear once each, largest first");
    last_unit = found;
    if (n > std::numeric_limits<std::int64_t>::max() / kUnits[found].ms) {
      return Bad(text, "too large");
    }
    std::int64_t add = n * kUnits[found].ms;
    if (total > std::numeric_limits<std::int64_t>::max() - add) return Bad(text, "too large");
    total += add;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  // Built in a fmt buffer: GCC 12 reports a false -Wrestrict on std::string assignment here.
  fmt::memory_buffer out;
  if (ms < 0) {
    out.push_back('-');
    ms = -ms;
  }
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      fmt::format_to(std::back_inserter(out), "{}{}", ms / u.ms, u.name);
      ms %= u.ms;
    }
  }
  return fmt::to_string(out);
}

}  // namespace firedrill
