#include "orchestrator/store/record_text.h"

#include <algorithm>
#include <chrono>

#include "drills/timestamp.h"

namespace firedrill {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // lowercase only: records never write uppercase, and one spelling is simpler
}

}  // namespace

bool FromHex(std::string_view hex, std::vector<unsigned char>* out) {
  if (hex.size() % 2 != 0) return false;
  out->resize(hex.size() / 2);
  for (std::size_t i = 0; i < out->size(); ++i) {
    int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

bool FromHex(std::string_view hex, Hash256* out) {
  std::vector<unsigned char> bytes;
  if (!FromHex(hex, &bytes) || bytes.size() != out->size()) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

std::string FormatRecordTime(std::int64_t ms) {
  return FormatUtc(SysTime{std::chrono::milliseconds{ms}});
}

std::optional<std::int64_t> ParseExportTime(std::string_view text) {
  // Of the forms ParseUtc reads, only "YYYY-MM-DDTHH:MM:SS.mmmZ" has 24 characters.
  if (text.size() != 24) return std::nullopt;
  auto at = ParseUtc(text);
  if (!at.ok()) return std::nullopt;
  return at->time_since_epoch().count();
}

}  // namespace firedrill
