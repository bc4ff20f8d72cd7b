#include "drills/quoted.h"

#include <fmt/format.h>

#include <algorithm>

namespace firedrill {
namespace {

// The length of the well-formed UTF-8 sequence starting at `s[i]` (1 to 4), or 0 when the bytes
// there are not one (a stray continuation byte, a truncated or overlong sequence, a surrogate).
std::size_t Utf8SequenceAt(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t len = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  unsigned char second = byte(i + 1);
  if (lead == 0xe0 && second < 0xa0) return 0;  // overlong
  if (lead == 0xed && second > 0x9f) return 0;  // a UTF-16 surrogate
  if (lead == 0xf0 && second < 0x90) return 0;  // overlong
  if (lead == 0xf4 && second > 0x8f) return 0;  // beyond U+10FFFF
  return len;
}

}  // namespace

std::string Shown(std::string_view value, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < value.size() && chars < max_chars) {
    const auto c = static_cast<unsigned char>(value[i]);
    std::size_t len = Utf8SequenceAt(value, i);
    ++chars;
    if (len == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (len == 1) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\u{:04x}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // U+0080..U+009F (C1 controls; some terminals act on U+009B as on ESC [) are C2 80..C2 9F.
    const auto second = static_cast<unsigned char>(value[i + 1]);
    if (len == 2 && c == 0xc2 && second <= 0x9f) {
      out += fmt::format("\\u{:04x}", second);
    } else {
      out.append(value.substr(i, len));
    }
    i += len;
  }
  if (i < value.size()) out += fmt::format("… ({} bytes)", value.size());
  return out;
}

std::string Truncated(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Back to the start of the character the cut falls in.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return fmt::format("{}… ({} bytes)", text.substr(0, cut), text.size());
}

std::string Quoted(std::string_view value) { return "\"" + Shown(value) + "\""; }

std::string ShownList(const std::vector<std::string>& names) {
  std::string out;
  const std::size_t shown = std::min(names.size(), kMaxListedNames);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += Shown(names[i]);
  }
  if (names.size() > shown) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

}  // namespace firedrill
