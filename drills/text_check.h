// Which characters a string of a drill file may hold. A NUL cuts a command short where it is run
// (the part before it runs; a restore never works) and cannot be stored as text; other control
// characters mean nothing in a name, an address or a URL and can drive the terminal that shows
// them. Tabs and line breaks are text in shell commands and prose.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace firedrill {

/// The shape of a string field.
enum class TextForm {
  kLine,       ///< one line: names, titles, addresses, URLs, paths, zones, labels
  kMultiLine,  ///< shell commands and prose: may also hold tabs and line feeds
};

/// A character a string may not hold, and where it is.
struct ForbiddenCharacter {
  unsigned code = 0;          ///< the code point: 0x00..0x1f or 0x7f..0x9f
  std::size_t character = 0;  ///< its place in the string, counting code points from 1

  /// Returns e.g. "holds a NUL character (\\u0000) at character 12", "holds a tab (\\t) …".
  std::string Describe() const;
};

/// Returns the first character of `text` that a `form` value may not hold, or nullopt. Refused
/// in every form: NUL, carriage return, every other C0 control character, DEL and the C1 controls
/// (U+0080..U+009F); kLine also refuses tab and line feed. `text` is UTF-8, as TOML strings are.
std::optional<ForbiddenCharacter> FindForbiddenCharacter(std::string_view text, TextForm form);

}  // namespace firedrill
