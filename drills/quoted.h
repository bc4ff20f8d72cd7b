// Values from an input file as diagnostics show them: short, on one line, and harmless to a
// terminal, however long or strange the value is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

/// The most characters (code points) of a value a diagnostic quotes.
inline constexpr std::size_t kMaxQuotedChars = 60;

/// The most names a diagnostic lists ("defined targets: a, b, ... and 12 more").
inline constexpr std::size_t kMaxListedNames = 20;

/// Returns `value` as a diagnostic shows it, without surrounding quotes: at most `max_chars`
/// characters, cut at a character boundary and followed by "… (N bytes)" when the value is
/// longer; '"' and '\\' escaped with a backslash, and every control character (C0, DEL, C1)
/// written as an escape ("\\n", "\\t", "\\u001b", "\\u0085"), as is a byte that is not UTF-8
/// ("\\xff"). The result is one line and never drives a terminal. Never fails.
std::string Shown(std::string_view value, std::size_t max_chars = kMaxQuotedChars);

/// Returns `text` unchanged when it has at most `max_bytes` bytes, else its first bytes up to
/// `max_bytes`, cut at a character boundary, and "… (N bytes)". Nothing is escaped.
std::string Truncated(std::string_view text, std::size_t max_bytes);

/// Returns Shown(value) in double quotes, for "… key \"VALUE\" …" in a message.
std::string Quoted(std::string_view value);

/// Returns `names` joined with ", ", each passed through Shown(), at most kMaxListedNames of them
/// followed by "and N more".
std::string ShownList(const std::vector<std::string>& names);

}  // namespace firedrill
