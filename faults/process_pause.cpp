#include "faults/process_pause.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <utility>

#include "faults/param_reader.h"

namespace firedrill {

std::string ProcessPauseParams::Describe() const {
  return fmt::format("pause (SIGSTOP) {}; restore: SIGCONT", selector.Describe());
}

FaultKindSpec ProcessPauseSpec() {
  FaultKindSpec spec;
  spec.name = kProcessPauseKind;
  spec.summary = "Freeze processes with SIGSTOP (hung, not dead); the restore sends SIGCONT";
  spec.params = ProcessSelectorParams();
  spec.default_restore_timeout = std::chrono::seconds(10);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    std::optional<ProcessSelector> selector = ReadProcessSelector(reader);
    if (!selector || reader.failed()) return nullptr;
    auto params = std::make_shared<ProcessPauseParams>();
    params->selector = *std::move(selector);
    return params;
  };
  return spec;
}

}  // namespace firedrill
