#include "faults/disk_fill.h"

#include <fmt/format.h>

#include <memory>
#include <utility>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {

std::string DiskFillParams::FilePath() const {
  if (!path.empty() && path.back() == '/') return path + file_name;
  return fmt::format("{}/{}", path, file_name);
}

std::string DiskFillParams::Describe() const {
  return fmt::format("fill the filesystem of {} until {} is left free (file {})", path,
                     free_left.ToString(), FilePath());
}

FaultKindSpec DiskFillSpec() {
  FaultKindSpec spec;
  spec.name = kDiskFillKind;
  spec.summary = "Fill a filesystem with one file until little space is left";
  spec.params = {
      ParamBuilder(
          "path", ParamType::kString,
          "absolute path of a directory on the filesystem to fill; the file is written there")
          .Required()
          .Build(),
      ParamBuilder("free_left", ParamType::kString,
                   "space to leave free: \"1G\"-style size (units K M G T) or a percentage of the "
                   "filesystem below 100%, e.g. \"5%\"")
          .Required()
          .Build(),
      ParamBuilder("file_name", ParamType::kString,
                   "name of the fill file, a plain name without '/' (default .firedrill-fill)")
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(30);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<DiskFillParams>();
    params->path = reader.RequiredString("path");
    if (!params->path.empty() && params->path.front() != '/') {
      reader.Fail("path",
                  fmt::format("path \"{}\" must be absolute (start with '/')", params->path));
    }
    const std::string free_left = reader.RequiredString("free_left");
    if (!free_left.empty()) {
      Expected<SizeSpec> parsed = ParseSizeSpec(free_left);
      if (!parsed) {
        reader.Fail("free_left", fmt::format("free_left: {}", parsed.error().message));
      } else if (parsed->is_percent && parsed->percent >= 100) {
        reader.Fail("free_left", fmt::format("free_left \"{}\" would leave nothing to fill; use "
                                             "a percentage below 100%",
                                             free_left));
      } else {
        params->free_left = *std::move(parsed);
      }
    }
    params->file_name = reader.String("file_name", ".firedrill-fill");
    if (params->file_name.empty() || params->file_name == "." || params->file_name == ".." ||
        params->file_name.find('/') != std::string::npos ||
        params->file_name.find('\0') != std::string::npos) {
      reader.Fail("file_name",
                  fmt::format("file_name \"{}\" must be a plain file name, without '/'",
                              params->file_name));
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
