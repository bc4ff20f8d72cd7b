// Quoting for a POSIX shell: the one routine every command firedrill builds for /bin/sh uses,
// locally, over SSH and in the dead man's switch.
#pragma once

#include <string>
#include <string_view>

namespace firedrill {

/// Returns `text` as one shell word: wrapped in single quotes, with embedded ones escaped
/// ('it'\''s'). Any byte but a single quote stands for itself inside single quotes. Pure.
std::string ShellQuote(std::string_view text);

}  // namespace firedrill
