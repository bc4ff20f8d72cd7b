// Reading back the UTC times firedrill writes into its records (FormatUtc, drills/zoned_time.h).
#pragma once

#include <optional>
#include <string_view>

#include "drills/drill.h"

namespace firedrill {

/// Parses the UTC forms firedrill writes and accepts: "2027-06-01T10:00:00.000Z",
/// "2027-06-01T10:00:00Z" and a bare date "2027-06-01" (midnight UTC). nullopt on anything else,
/// including impossible dates.
std::optional<SysTime> ParseUtc(std::string_view text);

}  // namespace firedrill
