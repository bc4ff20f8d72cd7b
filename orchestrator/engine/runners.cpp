#include "orchestrator/engine/runners.h"

#include <fmt/format.h>

#include "faults/local_runner.h"

namespace firedrill {

Expected<std::unique_ptr<CommandRunner>> MakeRunner(const Target& target) {
  if (target.is_local()) return std::unique_ptr<CommandRunner>(std::make_unique<LocalRunner>());
  return Error{
      fmt::format("target \"{}\": SSH targets are not supported by this build yet", target.name)};
}

CommandRunner* FindRunner(const RunnerMap& runners, const std::string& name) {
  auto it = runners.find(name);
  return it == runners.end() ? nullptr : it->second.get();
}

}  // namespace firedrill
