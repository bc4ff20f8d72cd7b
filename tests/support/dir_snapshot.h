// A snapshot of a directory tree: every file under it with its size and modification time, so
// that "the command changed nothing" is two snapshots that compare equal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

namespace firedrill::testing {

/// Path -> (size, mtime) of every entry under `dir` (size 0 for directories); empty if `dir`
/// does not exist.
using DirSnapshot =
    std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>>;

/// The snapshot of `dir` now.
DirSnapshot Snapshot(const std::filesystem::path& dir);

}  // namespace firedrill::testing
