#include "drills/suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace firedrill {
namespace {

// Edit distance counting a swap of neighbours as one edit ("prot" -> "port"), case folded:
// "Port" is a typo of "port", not a new word. (Optimal string alignment distance.)
std::size_t EditDistance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      std::size_t v =
          std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        v = std::min(v, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = v;
    }
  }
  return d[a.size() * w + b.size()];
}

}  // namespace

std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  // Words past this size are not typos of keys; skipping them bounds the work on hostile input.
  if (word.empty() || word.size() > 64 || candidates.size() > kMaxSuggestCandidates) {
    return std::nullopt;
  }
  // Close enough to help: at most one edit in three letters of the longer word ("x" is not a
  // typo of "u", "ru" is one of "run").
  std::optional<std::string> best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::string& c : candidates) {
    if (c.size() > 64) continue;
    std::size_t d = EditDistance(word, c);
    if (d <= std::max(word.size(), c.size()) / 3 && d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  auto m = ClosestMatch(word, candidates);
  return m ? fmt::format(" (did you mean \"{}\"?)", *m) : std::string();
}

}  // namespace firedrill
