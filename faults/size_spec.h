// Sizes as drill files write them: an absolute amount ("512M", "2G") or a percentage of a total
// that is only known on the target ("80%" of memory, "5%" of a filesystem).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// An amount of bytes, or a percentage of some total.
struct SizeSpec {
  bool is_percent = false;  ///< a percentage (true) or an absolute size (false)
  std::uint64_t bytes = 0;  ///< when !is_percent
  double percent = 0;       ///< when is_percent: 0..100

  /// Returns the drill-file notation: "512M", "2G", "80%", "1536K", "100" for odd byte counts.
  std::string ToString() const;
  /// Returns the bytes this size stands for, given the total a percentage refers to.
  std::uint64_t BytesOf(std::uint64_t total) const;
};

/// Parses "<integer><unit>" with unit K, M, G or T (powers of 1024) or "<number>%" with the
/// number between 0 and 100. Returns an Error naming the expected form on anything else. Callers
/// check the bounds that matter to them (e.g. "1% to 95%").
Expected<SizeSpec> ParseSizeSpec(std::string_view text);

}  // namespace firedrill
