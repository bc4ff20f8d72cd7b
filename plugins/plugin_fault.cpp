// PluginFault: the Fault interface mapped onto plugin actions.
#include "plugins/plugin_fault.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <set>

#include "faults/runtime_support.h"
#include "plugins/plugin_client.h"
#include "plugins/plugin_manual.h"

namespace firedrill {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// (target, local path) pairs already installed in this process.
std::mutex g_installed_mu;
std::set<std::string> g_installed;

class PluginFault : public Fault {
 public:
  explicit PluginFault(PluginKind kind) : kind_(std::move(kind)) {}

  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<PluginResponse> r =
        co_await Call(ctx, PluginAction::kValidate, json::value(), Timeout(ctx));
    if (!r) co_return r.error();
    co_return json::serialize(r->state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state) override {
    Expected<std::string> st = co_await InjectAndCapture(ctx, state);
    if (!st) co_return st.error();
    co_return Status::Ok();
  }

  asio::awaitable<Expected<std::string>> InjectAndCapture(const FaultContext& ctx,
                                                          const std::string& state) override {
    Expected<json::value> prior = ParseStateText(state);
    if (!prior) co_return prior.error();
    Expected<PluginResponse> r = co_await Call(ctx, PluginAction::kInject, *prior, Timeout(ctx));
    if (!r) co_return r.error();
    co_return json::serialize(MergePluginState(*prior, r->state));
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state) override {
    Expected<json::value> st = ParseStateText(state);
    if (!st) co_return st.error();
    Expected<PluginResponse> r = co_await Call(ctx, PluginAction::kCheck, *st, Timeout(ctx));
    if (!r) co_return r.error();
    co_return r->in_place.value_or(false);
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state) override {
    Expected<json::value> st = ParseStateText(state);
    if (!st) co_return st.error();
    const Duration timeout =
        ctx.spec.restore_timeout > Duration::zero() ? ctx.spec.restore_timeout : Timeout(ctx);
    Expected<PluginResponse> r = co_await Call(ctx, PluginAction::kRestore, *st, timeout);
    if (!r) co_return r.error();
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& ctx, const std::string& state) override {
    Expected<json::value> st = ParseStateText(state);
    PluginRequest request = MakeRequest(ctx, PluginAction::kRestore, st ? *st : json::value());
    // The request on stdin and, as for every call, in the environment (plugins in sh read that).
    std::string env;
    for (const auto& [key, value] : PluginRequestEnv(request)) {
      env += fmt::format("{}={} ", key, ShellQuote(value));
    }
    std::string generic = fmt::format(
        "printf '%s\\n' {} | {}{}", ShellQuote(EncodePluginRequest(request)), env,
        ShellQuote(ctx.runner.Describe() == "local" ? kind_.path : RemotePluginPath(kind_.path)));
    if (kind_.manual.empty()) {
      return fmt::format("# run plugin {} restore on target {} with the recorded state:\n{}",
                         kind_.plugin, ctx.spec.target, generic);
    }
    // The plugin's own words, filled in, go in comments: they are for a person, and this text is
    // also what a dead man's switch runs, which must run only the plugin's restore (a filled-in
    // value is not quoted for a shell).
    std::string text = fmt::format("# by hand, as plugin {} says:\n", kind_.plugin);
    const std::string filled = FillManualPlaceholders(kind_.manual, request.params, request.state);
    std::string::size_type start = 0;
    while (start <= filled.size()) {
      const std::string::size_type nl = filled.find('\n', start);
      text += "#   " + filled.substr(start, nl == std::string::npos ? nl : nl - start) + "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return fmt::format("{}# or run its restore on target {} with the recorded state:\n{}", text,
                       ctx.spec.target, generic);
  }

 private:
  Duration Timeout(const FaultContext&) const { return kind_.default_restore_timeout; }

  Expected<json::value> ParseStateText(const std::string& state) const {
    if (state.empty()) return json::value();
    boost::system::error_code ec;
    json::value v = json::parse(state, ec);
    if (ec) {
      return Error(
          fmt::format("plugin {}: the recorded state is not JSON: {}", kind_.plugin, ec.message()));
    }
    return v;
  }

  PluginRequest MakeRequest(const FaultContext& ctx, PluginAction action, json::value state) const {
    PluginRequest request;
    request.action = action;
    request.drill_id = ctx.drill_id;
    request.fault_id = ctx.spec.id;
    request.kind = ctx.spec.kind.empty() ? kind_.name : ctx.spec.kind;
    request.target = ctx.spec.target;
    if (const auto* p = dynamic_cast<const PluginParams*>(ctx.spec.params.get())) {
      request.params = p->values();
    } else {
      request.params = PluginParamsJson(ctx.spec.raw, kind_.defaults);
    }
    request.state = std::move(state);
    return request;
  }

  // Runs one action; an inject runs with the context's inject hooks (behind the gate).
  asio::awaitable<Expected<PluginResponse>> Call(const FaultContext& ctx, PluginAction action,
                                                 json::value state, Duration timeout) {
    std::string path = kind_.path;
    if (ctx.runner.Describe() != "local") {
      path = RemotePluginPath(kind_.path);
      const std::string key = ctx.runner.Describe() + "\n" + kind_.path;
      // Never held across an await (another coroutine on this thread may want it). Two calls
      // racing to install the same copy is harmless: each writes a temp file and renames it.
      bool installed = false;
      {
        std::lock_guard lock(g_installed_mu);
        installed = g_installed.count(key) != 0;
      }
      if (!installed) {
        Status st = co_await InstallPlugin(ctx.runner, kind_.path, path);
        if (!st) {
          co_return Error(fmt::format("plugin {} {}: {}", kind_.plugin, PluginActionName(action),
                                      st.error().message));
        }
        std::lock_guard lock(g_installed_mu);
        g_installed.insert(key);
      }
    }
    PluginClient client(ctx.runner, kind_.plugin, path);
    const PluginRequest request = MakeRequest(ctx, action, std::move(state));
    co_return co_await client.Call(request, timeout,
                                   action == PluginAction::kInject ? ctx.inject_hooks : RunHooks{});
  }

  PluginKind kind_;
};

}  // namespace

std::string PluginParams::Describe() const {
  std::string text = fmt::format("plugin {}", kind_->plugin);
  const char* sep = ": ";
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : values_) {
    sorted[std::string(name)] =
        value.is_string() ? std::string(value.as_string()) : PluginJsonText(value);
  }
  for (const auto& [name, value] : sorted) {
    text += fmt::format("{}{}={}", sep, name, value);
    sep = ", ";
  }
  return text;
}

FaultKindSpec PluginKindSpec(std::shared_ptr<const PluginKind> kind) {
  FaultKindSpec spec;
  spec.name = kind->name;
  spec.summary = kind->summary;
  spec.params = kind->params;
  spec.default_restore_timeout = kind->default_restore_timeout;
  spec.build = [kind](const ParamValues& values, const SourcePos&,
                      Diagnostics&) -> std::shared_ptr<const FaultParams> {
    return std::make_shared<PluginParams>(kind, PluginParamsJson(values, kind->defaults));
  };
  return spec;
}

std::unique_ptr<Fault> MakePluginFault(const PluginKind& kind) {
  return std::make_unique<PluginFault>(kind);
}

std::unique_ptr<Fault> MakeFaultFor(const FaultSpec& spec) {
  if (const auto* p = dynamic_cast<const PluginParams*>(spec.params.get())) {
    return MakePluginFault(p->kind());
  }
  return MakeBuiltinFault(spec.kind);
}

json::value MergePluginState(const json::value& prior, const json::value& next) {
  if (prior.is_object() && next.is_object()) {
    json::object merged = prior.as_object();
    for (const auto& [key, value] : next.as_object()) merged[key] = value;
    return merged;
  }
  if (next.is_null()) return prior;
  return next;
}

}  // namespace firedrill
