#include "faults/fault_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

#include "faults/command_fault.h"
#include "faults/cpu_stress.h"
#include "faults/disk_fill.h"
#include "faults/latency_proxy.h"
#include "faults/memory_stress.h"
#include "faults/network_block.h"
#include "faults/network_delay.h"
#include "faults/process_kill.h"
#include "faults/process_pause.h"

namespace firedrill {
namespace {

bool IsKindNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

}  // namespace

Status FaultRegistry::Register(FaultKindSpec spec) {
  if (spec.name.empty()) return Error{"cannot register a fault kind without a name"};
  if (!std::all_of(spec.name.begin(), spec.name.end(), IsKindNameChar)) {
    return Error{
        fmt::format("cannot register fault kind \"{}\": a kind name may only contain "
                    "lowercase letters, digits, '.', '-' and '_'",
                    spec.name)};
  }
  if (kinds_.count(spec.name) != 0) {
    return Error{fmt::format("fault kind \"{}\" is already registered", spec.name)};
  }
  if (!spec.build) {
    return Error{fmt::format("cannot register fault kind \"{}\": it has no factory", spec.name)};
  }
  std::set<std::string, std::less<>> seen;
  for (const ParamSpec& param : spec.params) {
    if (param.name.empty()) {
      return Error{fmt::format("fault kind \"{}\" declares a parameter without a name", spec.name)};
    }
    if (std::find(std::begin(kCommonFaultKeys), std::end(kCommonFaultKeys), param.name) !=
        std::end(kCommonFaultKeys)) {
      return Error{
          fmt::format("fault kind \"{}\" declares parameter \"{}\", which is a key "
                      "every fault has",
                      spec.name, param.name)};
    }
    if (!seen.insert(param.name).second) {
      return Error{
          fmt::format("fault kind \"{}\" declares parameter \"{}\" twice", spec.name, param.name)};
    }
  }
  std::string name = spec.name;
  kinds_.emplace(std::move(name), std::move(spec));
  return Status::Ok();
}

const FaultKindSpec* FaultRegistry::Find(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<std::string> FaultRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(kinds_.size());
  for (const auto& [name, spec] : kinds_) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Status RegisterBuiltinFaults(FaultRegistry& registry) {
  for (FaultKindSpec (*make)() :
       {&ProcessKillSpec, &ProcessPauseSpec, &CommandSpec, &NetworkBlockSpec, &NetworkDelaySpec,
        &LatencyProxySpec, &CpuStressSpec, &MemoryStressSpec, &DiskFillSpec}) {
    if (Status s = registry.Register(make()); !s.ok()) return s;
  }
  return Status::Ok();
}

const FaultRegistry& BuiltinFaults() {
  static const FaultRegistry registry = [] {
    FaultRegistry r;
    if (Status s = RegisterBuiltinFaults(r); !s.ok()) {
      // A broken built-in kind is a programming error, caught by the tests.
      std::fprintf(stderr, "firedrill: built-in fault kinds: %s\n", s.error().message.c_str());
      std::abort();
    }
    return r;
  }();
  return registry;
}

}  // namespace firedrill
