#include "faults/size_spec.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace firedrill {
namespace {

struct Unit {
  char name;
  std::uint64_t bytes;
};
// Largest first, for formatting.
constexpr std::array<Unit, 4> kUnits = {{{'T', std::uint64_t{1} << 40},
                                         {'G', std::uint64_t{1} << 30},
                                         {'M', std::uint64_t{1} << 20},
                                         {'K', std::uint64_t{1} << 10}}};

Error Bad(std::string_view text, std::string_view why) {
  return Error{
      fmt::format("invalid size \"{}\": {} (expected e.g. \"512M\", \"2G\" or a "
                  "percentage like \"80%\"; units K, M, G, T)",
                  text, why)};
}

}  // namespace

std::string SizeSpec::ToString() const {
  if (is_percent) return fmt::format("{:g}%", percent);
  for (const Unit& u : kUnits) {
    if (bytes != 0 && bytes % u.bytes == 0) return fmt::format("{}{}", bytes / u.bytes, u.name);
  }
  return fmt::format("{}", bytes);
}

std::uint64_t SizeSpec::BytesOf(std::uint64_t total) const {
  if (!is_percent) return bytes;
  return static_cast<std::uint64_t>(static_cast<long double>(total) * percent / 100.0L);
}

Expected<SizeSpec> ParseSizeSpec(std::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  if (text.back() == '%') {
    std::string_view number = text.substr(0, text.size() - 1);
    double percent = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), percent,
                                     std::chars_format::fixed);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
        number.front() == '-' || number.front() == '+' || !std::isfinite(percent)) {
      return Bad(text, "expected a number before '%'");
    }
    if (percent > 100) return Bad(text, "a percentage cannot exceed 100%");
    SizeSpec spec;
    spec.is_percent = true;
    spec.percent = percent;
    return spec;
  }

  const char suffix = text.back();
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == suffix) unit = &u;
  }
  if (unit == nullptr) {
    if (suffix >= '0' && suffix <= '9') return Bad(text, "missing unit");
    if ((suffix == 'B' || suffix == 'b') && text.size() >= 2 &&
        std::string_view("KMGT").find(text[text.size() - 2]) != std::string_view::npos) {
      return Bad(text, fmt::format("write \"{}\" without the B", text.substr(0, text.size() - 1)));
    }
    return Bad(text, fmt::format("unknown unit '{}'", suffix));
  }
  std::string_view number = text.substr(0, text.size() - 1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || end != number.data() + number.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return Bad(text, "expected a whole number before the unit (write \"1536M\", not \"1.5G\")");
  }
  if (ec == std::errc::result_out_of_range ||
      n > std::numeric_limits<std::uint64_t>::max() / unit->bytes) {
    return Bad(text, "too large");
  }
  SizeSpec spec;
  spec.bytes = n * unit->bytes;
  return spec;
}

}  // namespace firedrill
