#include "faults/process_selector.h"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <utility>

#include "faults/param_builder.h"

namespace firedrill {
namespace {

constexpr std::array<std::pair<std::string_view, ProcessMatch>, 3> kMatchKeys = {{
    {"pidfile", ProcessMatch::kPidfile},
    {"name", ProcessMatch::kName},
    {"cmdline", ProcessMatch::kCmdline},
}};

}  // namespace

std::string ProcessSelector::Describe() const {
  switch (match) {
    case ProcessMatch::kPidfile:
      return fmt::format("the process in pidfile {}", value);
    case ProcessMatch::kName:
      return fmt::format("{} named \"{}\"", all ? "every process" : "the process", value);
    case ProcessMatch::kCmdline:
      return fmt::format("{} whose command line contains \"{}\"",
                         all ? "every process" : "the process", value);
  }
  return value;
}

std::vector<ParamSpec> ProcessSelectorParams() {
  return {
      ParamBuilder("pidfile", ParamType::kString,
                   "file holding the PID of the process (one of pidfile, name, cmdline)")
          .Build(),
      ParamBuilder("name", ParamType::kString,
                   "exact process name as in /proc/PID/comm, at most 15 characters (one of "
                   "pidfile, name, cmdline)")
          .Build(),
      ParamBuilder("cmdline", ParamType::kString,
                   "substring of the full command line (one of pidfile, name, cmdline)")
          .Build(),
      ParamBuilder("all", ParamType::kBool,
                   "act on every matching process; false (default) refuses at preflight when more "
                   "than one matches")
          .Build(),
  };
}

std::optional<ProcessSelector> ReadProcessSelector(ParamReader& reader) {
  const std::size_t errors_before = reader.error_count();
  std::vector<std::pair<std::string_view, ProcessMatch>> given;
  for (const auto& key : kMatchKeys) {
    if (reader.Has(std::string(key.first))) given.push_back(key);
  }
  if (given.empty()) {
    reader.FailAtFault("exactly one of pidfile, name, cmdline is required to select the process");
    return std::nullopt;
  }
  if (given.size() > 1) {
    std::string names;
    for (const auto& [key, match] : given) {
      names += names.empty() ? "" : " and ";
      names += key;
    }
    // Reported at the second selector, the one that is too many.
    reader.Fail(std::string(given[1].first),
                fmt::format("exactly one of pidfile, name, cmdline may be given, not {}", names));
    return std::nullopt;
  }

  const std::string key(given[0].first);
  ProcessSelector selector;
  selector.match = given[0].second;
  selector.value = reader.RequiredString(key);
  selector.all = reader.Bool("all", false);
  if (!selector.value.empty() && selector.match == ProcessMatch::kName) {
    if (selector.value.find('/') != std::string::npos) {
      reader.Fail(key, fmt::format("name \"{}\" contains '/'; a process name never does (use "
                                   "cmdline to match on the executable's path)",
                                   selector.value));
    } else if (selector.value.size() > kMaxProcessNameLength) {
      reader.Fail(key, fmt::format("name \"{}\" is longer than {} characters and can never "
                                   "match /proc/PID/comm (use cmdline instead)",
                                   selector.value, kMaxProcessNameLength));
    }
  }
  if (selector.match == ProcessMatch::kPidfile && selector.all) {
    reader.Fail("all", "all = true cannot be combined with pidfile, which names one process");
  }
  if (reader.error_count() != errors_before) return std::nullopt;
  return selector;
}

}  // namespace firedrill
