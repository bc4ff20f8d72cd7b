// "Did you mean …?" for misspelt keys and names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

/// The most candidates a suggestion is looked for among; a longer list (thousands of targets in
/// one file) gets none, so that a suggestion never costs more than this many edit distances.
inline constexpr std::size_t kMaxSuggestCandidates = 500;

/// Returns the candidate closest to `word` by edit distance when it is close enough to be a
/// plausible typo (at most 1 edit for short words, about a third of the length for longer ones),
/// else nullopt. Ties go to the earliest candidate. Nullopt as well for more than
/// kMaxSuggestCandidates candidates, and for words or candidates over 64 characters.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// Returns " (did you mean \"X\"?)" for the closest candidate, or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace firedrill
