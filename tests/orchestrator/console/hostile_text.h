// Hostile text for the console page tests: what a drill file, a person or monitoring could put
// in a name (markup, attribute breakers, a javascript: URL, U+202E, megabytes of it), and the
// checks that a page rendered from it is inert and short.
#pragma once

#include <cstddef>
#include <string>

namespace firedrill::testing {

/// A script element, a quote and tag that leave an attribute for an image with an onerror
/// handler, a javascript: URL, then U+202E (right-to-left override) before "evil".
inline const std::string kHostileText =
    "<script>alert(1)</script>\"><img src=x onerror=alert(1)> javascript:alert(1) \u202Eevil";

/// A run id that is a javascript: URL.
inline const std::string kHostileRunId = "javascript:alert(1)";

/// The length of the huge texts: a million characters.
inline constexpr std::size_t kHugeLength = 1'000'000;

/// kHostileText followed by kHugeLength copies of `fill`.
std::string HugeHostileText(char fill = 'A');

/// Checks (Catch2 CHECKs) that `html`, a page rendered from kHostileText and huge texts, is
/// inert: no script or img element, no U+202E (written visibly as "\u202Eevil" instead), no
/// javascript: link, a link to the run kHostileRunId with its id encoded; and short: under
/// 100,000 bytes, with the cuts said ("... bytes)").
void CheckHostilePageInertAndShort(const std::string& html);

}  // namespace firedrill::testing
