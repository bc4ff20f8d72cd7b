#include "drills/expected.h"

#include <fmt/format.h>

namespace firedrill {

std::string SourcePos::ToString() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Error::ToString() const {
  if (!where || where->file.empty()) return message;
  return fmt::format("{}: {}", where->ToString(), message);
}

}  // namespace firedrill
