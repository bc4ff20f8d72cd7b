#include "faults/command_fault.h"

#include <fmt/format.h>

#include <memory>
#include <string_view>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {
namespace {

constexpr std::size_t kMaxShownCommand = 60;

// The first line of `command`, shortened for a one-line description.
std::string Shorten(std::string_view command) {
  const std::size_t newline = command.find('\n');
  std::string_view line = command.substr(0, newline);
  bool cut = newline != std::string_view::npos;
  if (line.size() > kMaxShownCommand) {
    line = line.substr(0, kMaxShownCommand);
    cut = true;
  }
  return cut ? fmt::format("{}...", line) : std::string(line);
}

}  // namespace

std::string CommandParams::Describe() const {
  std::string text = fmt::format("run \"{}\"", Shorten(inject));
  if (check) text += fmt::format(" (check: \"{}\")", Shorten(*check));
  return text;
}

FaultKindSpec CommandSpec() {
  FaultKindSpec spec;
  spec.name = kCommandKind;
  spec.summary =
      "Run your own shell commands to inject and check a fault; the fault's restore key undoes it";
  spec.params = {
      ParamBuilder("inject", ParamType::kString, "shell command that puts the fault in place")
          .Required()
          .Build(),
      ParamBuilder("check", ParamType::kString,
                   "shell command that exits 0 iff the fault is in place (optional)")
          .Build(),
      ParamBuilder("shell", ParamType::kString,
                   "shell that runs each command with -c (default /bin/sh)")
          .Build(),
      ParamBuilder("timeout", ParamType::kDuration,
                   "how long each command may run before it counts as failed (default 30s)")
          .Build(),
  };
  spec.default_restore_timeout = std::chrono::seconds(30);
  spec.restore_key_required = true;
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<CommandParams>();
    params->inject = reader.RequiredString("inject");
    params->check = reader.OptionalString("check");
    if (params->check && params->check->empty()) {
      reader.Fail("check", "check must not be empty (leave it out if there is nothing to check)");
    }
    params->shell = reader.String("shell", "/bin/sh");
    if (params->shell.empty()) reader.Fail("shell", "shell must not be empty");
    params->timeout = reader.DurationOf("timeout", std::chrono::seconds(30));
    if (params->timeout <= Duration::zero()) {
      reader.Fail("timeout", "timeout must be greater than 0s");
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
