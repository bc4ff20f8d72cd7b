#include "faults/command_runtime.h"

#include <fmt/format.h>

#include <string>

#include "faults/command_fault.h"
#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

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
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) co_return params.error();
    co_return std::string("{}");
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) co_return params.error();
    const CommandParams& p = **params;
    Expected<CommandResult> result = co_await RunChecked(
        ctx.runner, InShell(p, p.inject), p.timeout, "inject command failed", ctx.inject_hooks);
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) co_return params.error();
    const CommandParams& p = **params;
    if (!p.check) co_return true;
    Expected<CommandResult> result = co_await ctx.runner.Run(InShell(p, *p.check), p.timeout);
    if (!result) {
      co_return Error(fmt::format("check command failed: {}", result.error().message));
    }
    if (result->timed_out || result->exit_code == kCannotExecute ||
        result->exit_code == kNotFound) {
      co_return Error(
          fmt::format("check command failed: {}", SummarizeFailure(*result, p.timeout)));
    }
    co_return result->exit_code == 0;
  }

  bool Checkable(const FaultContext& ctx) const override {
    const auto* params = dynamic_cast<const CommandParams*>(ctx.spec.params.get());
    return params != nullptr && params->check.has_value();
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string&) override {
    Expected<const CommandParams*> params = ParamsOf<CommandParams>(ctx);
    if (!params) co_return params.error();
    if (!ctx.spec.restore_command) {
      co_return Error(fmt::format("fault {} has no restore command", ctx.spec.id));
    }
    Expected<CommandResult> result =
        co_await RunChecked(ctx.runner, InShell(**params, *ctx.spec.restore_command),
                            (*params)->timeout, "restore command failed");
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& ctx, const std::string&) override {
    if (!ctx.spec.restore_command) return "# undo what the inject command did";
    return *ctx.spec.restore_command;
  }
};

}  // namespace

std::unique_ptr<Fault> MakeCommandFault() { return std::make_unique<CommandFault>(); }

}  // namespace firedrill
