#include "faults/memory_stress.h"

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {
namespace {

constexpr double kMinPercent = 1;
constexpr double kMaxPercent = 95;
constexpr std::int64_t kMaxWorkers = 1024;

}  // namespace

std::string MemoryStressParams::Describe() const {
  return fmt::format("allocate {}{} in {} worker{}", size.ToString(),
                     size.is_percent ? " of total memory" : "", workers, workers == 1 ? "" : "s");
}

FaultKindSpec MemoryStressSpec() {
  FaultKindSpec spec;
  spec.name = kMemoryStressKind;
  spec.summary = "Allocate and hold memory so the service runs short of it";
  spec.params = {
      ParamBuilder("size", ParamType::kString,
                   "memory to take in total: \"512M\", \"2G\" (units K M G T) or a percentage of "
                   "total memory from 1% to 95%, e.g. \"80%\"")
          .Required()
          .Build(),
      ParamBuilder("workers", ParamType::kInteger,
                   "number of processes sharing the allocation, at least 1 (default 1)")
          .Range(1, static_cast<double>(kMaxWorkers))
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(10);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<MemoryStressParams>();
    const std::string size = reader.RequiredString("size");
    if (!size.empty()) {
      Expected<SizeSpec> parsed = ParseSizeSpec(size);
      if (!parsed) {
        reader.Fail("size", fmt::format("size: {}", parsed.error().message));
      } else if (parsed->is_percent &&
                 (parsed->percent < kMinPercent || parsed->percent > kMaxPercent)) {
        reader.Fail("size", fmt::format("size \"{}\": a percentage of total memory must be from "
                                        "{:g}% to {:g}%",
                                        size, kMinPercent, kMaxPercent));
      } else if (!parsed->is_percent && parsed->bytes == 0) {
        reader.Fail("size", fmt::format("size \"{}\" must be greater than 0", size));
      } else {
        params->size = *std::move(parsed);
      }
    }
    const std::int64_t workers = reader.Integer("workers", 1);
    if (workers < 1 || workers > kMaxWorkers) {
      reader.Fail("workers",
                  fmt::format("workers must be from 1 to {}, not {}", kMaxWorkers, workers));
    }
    if (reader.failed()) return nullptr;
    params->workers = static_cast<int>(workers);
    return params;
  };
  return spec;
}

}  // namespace firedrill
