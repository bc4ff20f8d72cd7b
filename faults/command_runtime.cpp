#include "faults/command_runtime.h"

#include <fmt/format.h>

#include <string>

#include "faults/command_fault.h"
#include "faults/runtime_support.h"

namespace firedrill {
namespace {

// The shell's "could not execute" (126) and "not found" (127) exits.
constexpr int kCannotExecute = 126;
constexpr int kNotFound = 127;

// The runner always uses /bin/sh; another shell is exec'd from it with the command as one word.
std::string InShell(const CommandParams& params, const std::string& command) {
  if (params.shell == "/bin/sh") return command;
  return fmt::format("exec {} -c {}", ShellQuote(params.shell), ShellQuote(command));
}

class CommandFault : public Fault {
 public:
  Expected<std::string> Prepare(const FaultContext& ctx) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) return params.error();
    return std::string("{}");
  }

  Status Inject(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) return params.error();
    const CommandParams& p = **params;
    Expected<CommandResult> result =
        RunChecked(ctx.runner, InShell(p, p.inject), p.timeout, "inject command failed");
    if (!result) return result.error();
    return Status::Ok();
  }

  Expected<bool> Check(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) return params.error();
    const CommandParams& p = **params;
    if (!p.check) return true;
    Expected<CommandResult> result = ctx.runner.Run(InShell(p, *p.check), p.timeout);
    if (!result) return Error(fmt::format("check command failed: {}", result.error().message));
    if (result->timed_out || result->exit_code == kCannotExecute ||
        result->exit_code == kNotFound) {
      return Error(fmt::format("check command failed: {}", SummarizeFailure(*result, p.timeout)));
    }
    return result->exit_code == 0;
  }

  bool Checkable(const FaultContext& ctx) const override {
    const auto* params = dynamic_cast<const CommandParams*>(ctx.spec.params.get());
    return params != nullptr && params->check.has_value();
  }

  Status Restore(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) return params.error();
    if (!ctx.spec.restore_command) {
      return Error(fmt::format("fault {} has no restore command", ctx.spec.id));
    }
    Expected<CommandResult> result =
        RunChecked(ctx.runner, InShell(**params, *ctx.spec.restore_command), (*params)->timeout,
                   "restore command failed");
    if (!result) return result.error();
    return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& ctx, const std::string&) override {
    if (!ctx.spec.restore_command) return "# undo what the inject command did";
    return *ctx.spec.restore_command;
  }
};

}  // namespace

std::unique_ptr<Fault> MakeCommandFault() { return std::make_unique<CommandFault>(); }

}  // namespace firedrill
