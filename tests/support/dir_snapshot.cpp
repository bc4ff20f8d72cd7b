#include "tests/support/dir_snapshot.h"

namespace firedrill::testing {

DirSnapshot Snapshot(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  DirSnapshot out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out[e.path().string()] = {e.is_regular_file() ? e.file_size() : 0, e.last_write_time()};
  }
  return out;
}

}  // namespace firedrill::testing
