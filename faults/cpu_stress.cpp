#include "faults/cpu_stress.h"

#include <fmt/format.h>

#include <cstdint>
#include <memory>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {
namespace {

constexpr std::int64_t kMaxWorkers = 4096;

}  // namespace

std::string CpuStressParams::Describe() const {
  if (workers == 0) return fmt::format("load every CPU to {}%", load);
  return fmt::format("run {} CPU worker{} at {}% load", workers, workers == 1 ? "" : "s", load);
}

FaultKindSpec CpuStressSpec() {
  FaultKindSpec spec;
  spec.name = kCpuStressKind;
  spec.summary = "Keep CPUs busy with stress workers";
  spec.params = {
      ParamBuilder("workers", ParamType::kInteger,
                   "number of busy workers; 0 (default) = one per CPU")
          .Range(0, static_cast<double>(kMaxWorkers))
          .Build(),
      ParamBuilder("load", ParamType::kInteger,
                   "percentage of its CPU each worker keeps busy, 1 to 100 (default 100)")
          .Range(1, 100)
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(10);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<CpuStressParams>();
    const std::int64_t workers = reader.Integer("workers", 0);
    if (workers < 0 || workers > kMaxWorkers) {
      reader.Fail("workers",
                  fmt::format("workers must be from 0 to {}, not {}", kMaxWorkers, workers));
    }
    const std::int64_t load = reader.Integer("load", 100);
    if (load < 1 || load > 100) {
      reader.Fail("load", fmt::format("load must be a percentage from 1 to 100, not {}", load));
    }
    if (reader.failed()) return nullptr;
    params->workers = static_cast<int>(workers);
    params->load = static_cast<int>(load);
    return params;
  };
  return spec;
}

}  // namespace firedrill
