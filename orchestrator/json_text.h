// JSON text written directly, for outputs too large to build as boost::json values first (the
// audit report, the daemon's listing of thousands of drills).
#pragma once

#include <string>
#include <string_view>

namespace firedrill {

/// Appends `text` as a JSON string, byte for byte what boost::json::serialize writes for it:
/// quote, backslash and control characters escaped; other bytes, UTF-8 included, as they are.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace firedrill
