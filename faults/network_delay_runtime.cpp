#include "faults/network_delay_runtime.h"

#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <utility>

#include "faults/runtime_support.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

constexpr Duration kTcTimeout = std::chrono::seconds(10);

struct DelayState {
  std::string interface;
  std::string handle;
};

// What the interface's root qdisc is right now; nullopt when the interface does not exist.
struct QdiscLookup {
  bool interface_exists = false;
  std::optional<RootQdisc> root;
};

asio::awaitable<Expected<QdiscLookup>> LookUpRoot(CommandRunner& runner,
                                                  const std::string& interface) {
  const std::string command = "tc qdisc show dev " + ShellQuote(interface);
  Expected<CommandResult> result = co_await runner.Run(command, kTcTimeout);
  if (!result) co_return Error(fmt::format("{}: {}", command, result.error().message));
  if (result->exit_code == 127 && !result->timed_out) {
    co_return Error("tc not available: not found (install the iproute2 package)");
  }
  if (!result->ok()) {
    if (!result->timed_out && result->err.find("Cannot find device") != std::string::npos) {
      co_return QdiscLookup{};
    }
    co_return Error(fmt::format("{}: {}", command, SummarizeFailure(*result, kTcTimeout)));
  }
  co_return QdiscLookup{true, ParseRootQdisc(result->out)};
}

std::string Describe(const std::optional<RootQdisc>& root) {
  return root ? fmt::format("{} {}", root->kind, root->handle) : "none";
}

bool IsOurs(const std::optional<RootQdisc>& root, const std::string& handle) {
  return root && root->kind == "netem" && root->handle == handle;
}

// Returns why injecting onto `root` is refused, or an empty string when it is fine.
std::string Refusal(const std::string& interface, const std::optional<RootQdisc>& root) {
  if (!root) return "";
  if (root->kind == "netem") {
    return fmt::format(
        "{} already has a netem root qdisc ({}); another fault or a person is shaping it, and "
        "firedrill will not replace it",
        interface, Describe(root));
  }
  if (!root->is_default()) {
    // Deleting the root later would bring back the kernel's default, not this configuration.
    return fmt::format(
        "{} has a configured root qdisc ({}); netem would replace it and the restore could not "
        "put it back, so firedrill refuses",
        interface, Describe(root));
  }
  return "";
}

Expected<DelayState> ReadState(const std::string& text) {
  Expected<boost::json::object> state = ParseState(text);
  if (!state) return state.error();
  Expected<std::string> interface = StateString(*state, "interface");
  if (!interface) return interface.error();
  Expected<std::string> handle = StateString(*state, "handle");
  if (!handle) return handle.error();
  return DelayState{*std::move(interface), *std::move(handle)};
}

class NetworkDelayFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const NetworkDelayParams*> params = ParamsOf<NetworkDelayParams>(ctx);
    if (!params) co_return params.error();
    const std::string& interface = (*params)->interface;
    Expected<QdiscLookup> lookup = co_await LookUpRoot(ctx.runner, interface);
    if (!lookup) co_return lookup.error();
    if (!lookup->interface_exists) {
      co_return Error(fmt::format("network interface {} does not exist on {}", interface,
                                  ctx.runner.Describe()));
    }
    if (std::string why = Refusal(interface, lookup->root); !why.empty()) co_return Error(why);
    boost::json::object state;
    state["interface"] = interface;
    state["prior_root"] = Describe(lookup->root);
    state["handle"] = kNetemHandle;
    state["command"] = NetemAddCommand(**params);
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state_text) override {
    Expected<const NetworkDelayParams*> params = ParamsOf<NetworkDelayParams>(ctx);
    if (!params) co_return params.error();
    Expected<DelayState> state = ReadState(state_text);
    if (!state) co_return state.error();
    // The qdisc may have changed since Prepare (the fault's delay can be long): look again.
    Expected<QdiscLookup> lookup = co_await LookUpRoot(ctx.runner, state->interface);
    if (!lookup) co_return lookup.error();
    if (!lookup->interface_exists) {
      co_return Error(fmt::format("network interface {} no longer exists", state->interface));
    }
    if (std::string why = Refusal(state->interface, lookup->root); !why.empty()) {
      co_return Error(why);
    }
    Expected<CommandResult> result =
        co_await RunChecked(ctx.runner, NetemAddCommand(**params), kTcTimeout,
                            "adding the netem qdisc", ctx.inject_hooks);
    if (!result) {
      if (result.error().message.find("qdisc kind is unknown") != std::string::npos) {
        co_return Error(result.error().message +
                        " (this kernel has no netem: load the sch_netem module)");
      }
      co_return result.error();
    }
    co_return Status::Ok();
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state_text) override {
    Expected<DelayState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<QdiscLookup> lookup = co_await LookUpRoot(ctx.runner, state->interface);
    if (!lookup) co_return lookup.error();
    co_return lookup->interface_exists&& IsOurs(lookup->root, state->handle);
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state_text) override {
    Expected<DelayState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<QdiscLookup> lookup = co_await LookUpRoot(ctx.runner, state->interface);
    if (!lookup) co_return lookup.error();
    // Gone with its interface, or replaced by someone else: nothing of ours to remove.
    if (!lookup->interface_exists || !IsOurs(lookup->root, state->handle)) co_return Status::Ok();
    const std::string command = "tc qdisc del dev " + ShellQuote(state->interface) + " root";
    Expected<CommandResult> result = co_await RunChecked(ctx.runner, command, kTcTimeout, command);
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& /*ctx*/, const std::string& state_text) override {
    Expected<DelayState> state = ReadState(state_text);
    if (!state)
      return "tc qdisc show  # then, for the interface firedrill delayed: "
             "tc qdisc del dev INTERFACE root";
    return fmt::format(
        "tc qdisc del dev {} root  # only while `tc qdisc show dev {}` shows netem {}",
        ShellQuote(state->interface), ShellQuote(state->interface), state->handle);
  }
};

}  // namespace

std::optional<RootQdisc> ParseRootQdisc(std::string_view tc_output) {
  std::istringstream lines{std::string(tc_output)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string qdisc, kind, handle, where;
    if (words >> qdisc >> kind >> handle >> where && qdisc == "qdisc" && where == "root") {
      return RootQdisc{kind, handle};
    }
  }
  return std::nullopt;
}

std::string NetemAddCommand(const NetworkDelayParams& params) {
  std::string command =
      fmt::format("tc qdisc add dev {} root handle {} netem delay {}ms",
                  ShellQuote(params.interface), kNetemHandle, params.latency.count());
  if (params.jitter > Duration::zero()) command += fmt::format(" {}ms", params.jitter.count());
  if (params.loss_percent > 0) command += fmt::format(" loss {:g}%", params.loss_percent);
  return command;
}

std::unique_ptr<Fault> MakeNetworkDelayFault() { return std::make_unique<NetworkDelayFault>(); }

}  // namespace firedrill
