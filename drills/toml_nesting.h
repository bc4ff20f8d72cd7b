// A guard in front of the TOML parser: how deep a drill file nests, checked on the raw text.
// toml++ builds and then walks its tables recursively, one stack frame per level, so a table
// header or dotted key of tens of thousands of parts (`[a.a.a.…]`, `a.a.a.… = 1`) overflows the
// stack and kills the process. Internal to the drill loader.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// The deepest a drill file may nest. Each part of a table header or of a dotted key is one
/// level, an array of tables (`[[x]]`) adds one, and so does each array and inline table a value
/// opens: `host = "…"` in `[targets.db]` is 3 levels, `match = { service = "x" }` in
/// `[detection]` is 4, `target = ["a", "b"]` in `[[faults]]` is 4. Far above what a drill needs
/// and far below what overflows a stack.
inline constexpr int kMaxTomlNesting = 16;

/// Returns an error located at the first header part, key part, array or inline table of `text`
/// that nests deeper than kMaxTomlNesting levels, or nullopt. Reads only TOML's lexical
/// structure (strings, comments, brackets, keys) in one pass, in time linear in the text and with
/// constant stack depth. It never refuses valid TOML that nests no deeper than the limit; text
/// that is not valid TOML is scanned leniently (the parser reports what is wrong with it).
std::optional<Error> CheckTomlNesting(std::string_view text, const std::string& file);

}  // namespace firedrill
