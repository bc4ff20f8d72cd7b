// The one entry point from a drill file to a typed Drill. The loader (with toml_reader.*) is the
// only code in firedrill that touches toml++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "drills/drill.h"
#include "drills/fault_kind.h"

namespace firedrill {

/// The outcome of loading one drill file: the drill when it is valid, and every problem found.
struct LoadResult {
  std::optional<Drill> drill;  ///< set iff `diagnostics` is empty
  Diagnostics diagnostics;     ///< each with a FILE:LINE:COL position where one is known
  bool ok() const { return drill.has_value() && diagnostics.empty(); }
};

/// Largest drill file accepted; anything bigger is not a hand-written drill.
inline constexpr std::size_t kMaxDrillFileBytes = 1 << 20;

/// The most diagnostics a load returns; past it, one more says how many were left out.
inline constexpr std::size_t kMaxDiagnostics = 100;

/// The longest diagnostic message, in bytes (values in it are quoted short, see quoted.h; this
/// bounds the rest).
inline constexpr std::size_t kMaxDiagnosticBytes = 1000;

/// Parses and validates drill text. `file` is used in positions only. Never throws; malformed
/// TOML yields the parser's error at its position (TOML syntax errors stop parsing; everything
/// else is reported, up to kMaxDiagnostics). Text over kMaxDrillFileBytes, or nesting deeper
/// than kMaxTomlNesting (toml_nesting.h), is one error and is not parsed. Fault parameters are
/// checked by the kinds in `faults`.
LoadResult LoadDrillText(std::string_view text, const std::string& file,
                         const FaultCatalog& faults);

/// Reads `path` and loads it. A missing file, a directory, an unreadable, oversized or binary file
/// is a single diagnostic naming the path.
LoadResult LoadDrillFile(const std::string& path, const FaultCatalog& faults);

}  // namespace firedrill
