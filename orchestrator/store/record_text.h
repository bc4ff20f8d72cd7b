// The text forms shared by everything that writes records out of the database (exports, witness
// lines): hex for hashes, keys and signatures, and UTC times with milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/store/sha256.h"

namespace firedrill {

/// Decodes lowercase hex digits into `*out`. Returns false (leaving `*out` unspecified) for an
/// odd length or any other character; uppercase is refused, since records never write it.
[[nodiscard]] bool FromHex(std::string_view hex, std::vector<unsigned char>* out);

/// Decodes exactly 64 lowercase hex digits into `*out`; false for anything else.
[[nodiscard]] bool FromHex(std::string_view hex, Hash256* out);

/// Returns FormatUtc of the instant `ms` milliseconds after the Unix epoch:
/// "YYYY-MM-DDTHH:MM:SS.mmmZ" for the years 0000..9999.
std::string FormatRecordTime(std::int64_t ms);

/// Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" (exactly the form FormatRecordTime and FormatUtc write) into
/// milliseconds since the Unix epoch, with ParseUtc (drills/timestamp.h); nullopt for anything
/// else, impossible dates included.
std::optional<std::int64_t> ParseExportTime(std::string_view text);

}  // namespace firedrill
