// JSON written as text: indented for reports (one key or element per line, so that golden files
// and diffs of a report read like the report), and strings appended directly for outputs too
// large to build as boost::json values first (the audit report, the daemon's listing of
// thousands of drills).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace firedrill {

/// Returns `v` as JSON text indented by two spaces per level, ending with a newline. Numbers,
/// strings and escapes are exactly as boost::json::serialize writes them; empty arrays and
/// objects are written `[]` and `{}`.
std::string PrettyJson(const boost::json::value& v);

/// Appends `text` as a JSON string, byte for byte what boost::json::serialize writes for it:
/// quote, backslash and control characters escaped; other bytes, UTF-8 included, as they are.
void AppendJsonString(std::string& out, std::string_view text);

/// Returns the string at `key` of `o`, or "" when there is none or it is not a string: a field
/// of a JSON answer read leniently.
std::string StringField(const boost::json::object& o, std::string_view key);

}  // namespace firedrill
