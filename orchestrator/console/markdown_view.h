// The Markdown firedrill writes (postmortems: headings, tables, lists, quotes, paragraphs, code,
// bold, emphasis and autolinks) as HTML for a page. Not a general Markdown renderer: any other
// construct is shown as its text. Pure; every character of the input is escaped or becomes one
// of those elements, and only http(s) links are made (SafeHref).
#pragma once

#include <string>
#include <string_view>

namespace firedrill {

/// Returns `markdown` as HTML elements (no document around them).
std::string MarkdownHtml(std::string_view markdown);

}  // namespace firedrill
