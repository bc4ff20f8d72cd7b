// Text helpers the test binaries share: a file's whole contents, text split into lines and
// joined again, substrings found and counted, and a replacement the test requires to apply.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill::testing {

/// The bytes of `file`, or "" if it cannot be opened.
std::string ReadFile(const std::filesystem::path& file);

/// The lines of `text`, without their '\n'; a final line without '\n' is kept.
std::vector<std::string> Lines(const std::string& text);

/// Each of `lines` followed by '\n' (the inverse of Lines for text that ends in '\n').
std::string Join(const std::vector<std::string>& lines);

/// Whether `text` contains `part`.
bool Has(const std::string& text, const std::string& part);

/// How many times `part` starts in `text` (overlapping occurrences count).
std::size_t Count(const std::string& text, const std::string& part);

/// `s` with the first `from` replaced by `to`; fails the test (REQUIRE) if `from` is absent.
std::string Replace(std::string s, std::string_view from, std::string_view to);

}  // namespace firedrill::testing
