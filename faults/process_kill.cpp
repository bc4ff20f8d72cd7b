#include "faults/process_kill.h"

#include <fmt/format.h>

#include <csignal>
#include <memory>
#include <utility>
#include <vector>

#include "faults/param_builder.h"
#include "faults/param_reader.h"

namespace firedrill {

std::string ProcessKillParams::Describe() const {
  std::string restore = start_command
                            ? fmt::format("restore: run \"{}\"", *start_command)
                            : fmt::format("restore: wait up to {} for a supervisor to restart it",
                                          FormatDuration(restart_within));
  return fmt::format("{} {}; {}", signal_name, selector.Describe(), restore);
}

FaultKindSpec ProcessKillSpec() {
  FaultKindSpec spec;
  spec.name = kProcessKillKind;
  spec.summary =
      "Kill processes with a signal; the restore restarts them or waits for their supervisor";
  spec.params = ProcessSelectorParams();
  spec.params.push_back(
      ParamBuilder("signal", ParamType::kString, "signal to send (default SIGKILL)")
          .OneOf({"SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGABRT"})
          .Build());
  spec.params.push_back(ParamBuilder("start_command", ParamType::kString,
                                     "shell command the restore runs to start the process again; "
                                     "absent = a supervisor is expected to restart it")
                            .Build());
  spec.params.push_back(ParamBuilder("restart_within", ParamType::kDuration,
                                     "how long the restore waits for the process to be back "
                                     "(default 30s)")
                            .Build());
  spec.default_restore_timeout = std::chrono::seconds(30);
  spec.build = [](const ParamValues& values, const SourcePos& fault_pos,
                  Diagnostics& out) -> std::shared_ptr<const FaultParams> {
    ParamReader reader(values, fault_pos, out);
    auto params = std::make_shared<ProcessKillParams>();
    std::optional<ProcessSelector> selector = ReadProcessSelector(reader);
    if (selector) params->selector = *std::move(selector);
    params->signal_number = reader.Choice<int>("signal",
                                               {{"SIGKILL", SIGKILL},
                                                {"SIGTERM", SIGTERM},
                                                {"SIGINT", SIGINT},
                                                {"SIGQUIT", SIGQUIT},
                                                {"SIGHUP", SIGHUP},
                                                {"SIGABRT", SIGABRT}},
                                               SIGKILL);
    params->signal_name = reader.String("signal", "SIGKILL");
    params->start_command = reader.OptionalString("start_command");
    if (params->start_command && params->start_command->empty()) {
      reader.Fail("start_command",
                  "start_command must not be empty (leave it out if a supervisor restarts the "
                  "process)");
    }
    params->restart_within = reader.DurationOf("restart_within", std::chrono::seconds(30));
    if (params->restart_within <= Duration::zero()) {
      reader.Fail("restart_within", "restart_within must be greater than 0s");
    }
    if (reader.failed()) return nullptr;
    return params;
  };
  return spec;
}

}  // namespace firedrill
