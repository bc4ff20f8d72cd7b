// The one way to put text into the markup firedrill writes: HTML (the console, report files),
// XML (JUnit reports, Confluence pages) and Markdown tables (postmortems, the audit). Everything
// that came from a drill file, a person or a monitoring system (titles, notes, labels, alert
// annotations) is attacker-controlled text, and goes through Escape before it is written, in
// element content and in quoted attribute values alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace firedrill {

/// Returns `text` safe as HTML or XML element content and as a double- or single-quoted
/// attribute value (and valid XML 1.0 characters): & < > " ' become character references; the
/// Unicode bidirectional controls (U+202A to U+202E, U+2066 to U+2069) and C0/C1 control characters
/// other than tab and newline are written visibly as "\u202E" (so that a hostile title cannot
/// reorder the text after it); a byte that is not part of valid UTF-8 becomes U+FFFD.
std::string Escape(std::string_view text);

/// Returns `text` as one cell of a Markdown table: "|" written "\|", line breaks (CR, LF) as
/// spaces, so that the cell cannot end early or break its row.
std::string MarkdownCell(std::string_view text);

/// Returns `url` when it is an absolute http:// or https:// URL (any case) without spaces or
/// control characters, else "": what an href may hold (never javascript:, data: and the like).
/// The caller still Escapes it.
std::string SafeHref(std::string_view url);

/// Returns `text` cut to at most `max_bytes` at a UTF-8 character boundary, with "… (N bytes)"
/// appended when it was cut, so that a 1 MB note does not make a 1 MB page. Escape the result.
std::string Shorten(std::string_view text, std::size_t max_bytes);

}  // namespace firedrill
