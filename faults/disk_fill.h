// The disk.fill fault: writes one file until the filesystem holding `path` has only `free_left`
// space left; the restore deletes the file.
#pragma once

#include <string>

#include "drills/fault_kind.h"
#include "faults/size_spec.h"

namespace firedrill {

/// The kind's registered name.
inline constexpr char kDiskFillKind[] = "disk.fill";

/// Typed parameters of a disk.fill fault.
struct DiskFillParams : FaultParams {
  std::string path;                           ///< absolute directory on the filesystem to fill
  SizeSpec free_left;                         ///< bytes, or percent of the filesystem's size
  std::string file_name = ".firedrill-fill";  ///< created in `path`; a plain name

  /// Returns e.g. "fill the filesystem of /var/lib/postgresql until 1G is left free (file
  /// /var/lib/postgresql/.firedrill-fill)".
  std::string Describe() const override;
  /// Returns `path` joined with `file_name`.
  std::string FilePath() const;
};

/// Returns the schema and factory of disk.fill.
FaultKindSpec DiskFillSpec();

}  // namespace firedrill
