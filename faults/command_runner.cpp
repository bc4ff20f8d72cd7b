#include "faults/command_runner.h"

#include <fmt/format.h>

#include <string_view>

namespace firedrill {
namespace {

// Longest line SummarizeFailure quotes; error messages stay on one readable line.
constexpr std::size_t kMaxSummaryLine = 200;

// Returns the first line of `text` that is not blank, trimmed and shortened, or "".
std::string FirstLine(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (line.size() > kMaxSummaryLine) return fmt::format("{}...", line.substr(0, kMaxSummaryLine));
    return std::string(line);
  }
  return "";
}

}  // namespace

std::string SummarizeFailure(const CommandResult& result, Duration timeout) {
  if (result.timed_out) return fmt::format("timed out after {}", FormatDuration(timeout));
  std::string line = FirstLine(result.err);
  if (line.empty()) line = FirstLine(result.out);
  if (line.empty()) return fmt::format("exit {}", result.exit_code);
  return fmt::format("exit {}: {}", result.exit_code, line);
}

}  // namespace firedrill
