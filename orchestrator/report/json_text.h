// Indented JSON text for reports: one key or element per line, keys in insertion order, so that
// golden files and diffs of a report read like the report.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace firedrill {

/// Returns `v` as JSON text indented by two spaces per level, ending with a newline. Numbers,
/// strings and escapes are exactly as boost::json::serialize writes them; empty arrays and
/// objects are written `[]` and `{}`.
std::string PrettyJson(const boost::json::value& v);

}  // namespace firedrill
