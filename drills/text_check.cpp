#include "drills/text_check.h"

#include <fmt/format.h>

#include <cstddef>

namespace firedrill {
namespace {

// "\\n", "\\u001b": how the character is written in a TOML basic string.
std::string Escape(unsigned code) {
  switch (code) {
    case '\t':
      return "\\t";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    default:
      return fmt::format("\\u{:04x}", code);
  }
}

}  // namespace

std::string ForbiddenCharacter::Describe() const {
  const char* what = code == 0      ? "a NUL character"
                     : code == '\r' ? "a carriage return"
                     : code == '\t' ? "a tab"
                     : code == '\n' ? "a line break"
                                    : "a control character";
  return fmt::format("holds {} ({}) at character {}", what, Escape(code), character);
}

std::optional<ForbiddenCharacter> FindForbiddenCharacter(std::string_view text, TextForm form) {
  std::size_t character = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xc0) == 0x80) continue;  // inside a multi-byte character
    ++character;
    unsigned code = c;
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next <= 0x9f) code = next;  // U+0080..U+009F
    }
    const bool control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (!control) continue;
    if (form == TextForm::kMultiLine && (code == '\t' || code == '\n')) continue;
    return ForbiddenCharacter{code, character};
  }
  return std::nullopt;
}

}  // namespace firedrill
