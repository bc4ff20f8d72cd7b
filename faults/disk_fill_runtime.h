// The runtime of disk.fill: one preallocated file (fallocate) sized so that the filesystem keeps
// only `free_left`; the restore deletes that file and nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "drills/expected.h"
#include "faults/disk_fill.h"
#include "faults/fault.h"

namespace firedrill {

/// Space on one filesystem, in bytes, as `df -B1 --output=avail,size` reports it.
struct FilesystemSpace {
  std::uint64_t avail = 0;  ///< free space an unprivileged user may still use
  std::uint64_t size = 0;   ///< total size of the filesystem
};

/// Parses the output of `df -B1 --output=avail,size PATH` (a header line, then one line of two
/// numbers). Returns an Error on anything else.
Expected<FilesystemSpace> ParseDfOutput(std::string_view text);

/// Returns how many bytes to allocate so that `free_left` (bytes, or a percentage of
/// `space.size`) stays available, or an Error when the filesystem already has that little free
/// space or less (there is nothing to fill).
Expected<std::uint64_t> DiskFillBytes(const FilesystemSpace& space, const SizeSpec& free_left);

/// Returns the runtime of disk.fill. State: {"path", "file", "marker", "bytes", "avail", "size"}:
/// sizes as seen at Prepare (Inject measures again, since space may have changed meanwhile), and
/// the line Inject writes at the start of the file so that Check and Restore only ever take it
/// for firedrill's when it is.
std::unique_ptr<Fault> MakeDiskFillFault();

}  // namespace firedrill
