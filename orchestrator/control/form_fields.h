// The fields of an HTML form as a browser sends them (application/x-www-form-urlencoded), and of
// a URL's query string, which is written the same way.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// Decoded fields of a form body or query string (without the leading '?'): `a=1&b=x+y` gives
/// {a: "1", b: "x y"}; `%XX` is decoded, `+` is a space, a name without '=' has the value "".
/// Of a name given twice the last value counts. Fails, naming the offending text, on a malformed
/// percent escape or on a field that does not decode to valid UTF-8.
Expected<std::map<std::string, std::string>> ParseFormFields(std::string_view text);

/// Returns `value` percent-encoded for a query string or form body: unreserved characters
/// (letters, digits, "-._~") as they are, everything else as %XX.
std::string FormEncode(std::string_view value);

}  // namespace firedrill
