// The plugin conformance check: inject -> check -> restore -> check -> restore, snapshots equal.
#include "plugins/plugin_conformance.h"

#include <fmt/format.h>

#include <chrono>

#include "plugins/plugin_client.h"
#include "plugins/plugin_fault.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

asio::awaitable<Expected<std::string>> Snapshot(const PluginKind& kind, const FaultSpec& spec,
                                                CommandRunner& runner,
                                                const std::string& drill_id) {
  PluginClient client(runner, kind.plugin,
                      runner.Describe() == "local" ? kind.path : RemotePluginPath(kind.path));
  PluginRequest request;
  request.action = PluginAction::kSnapshot;
  request.drill_id = drill_id;
  request.fault_id = spec.id;
  request.kind = kind.name;
  request.target = spec.target;
  if (const auto* p = dynamic_cast<const PluginParams*>(spec.params.get())) {
    request.params = p->values();
  }
  Expected<PluginResponse> r = co_await client.Call(request, kind.default_restore_timeout);
  if (!r) co_return r.error();
  const boost::json::value* snap = r->raw.if_contains("snapshot");
  if (snap == nullptr)
    co_return Error("plugin " + kind.plugin + " snapshot: no \"snapshot\" member");
  co_return boost::json::serialize(*snap);
}

}  // namespace

boost::asio::awaitable<ConformanceReport> RunConformance(const PluginKind& kind,
                                                         const FaultSpec& spec,
                                                         CommandRunner& runner,
                                                         std::string drill_id) {
  ConformanceReport report;
  const auto began = std::chrono::steady_clock::now();
  // Each step is timed from the end of the one before: the steps follow one another, and what
  // lies between two plugin calls here is bookkeeping.
  auto step_began = began;
  auto add = [&](std::string name, bool ok, std::string detail) {
    const auto now = std::chrono::steady_clock::now();
    report.steps.push_back(ConformanceStep{std::move(name), ok, std::move(detail),
                                           std::chrono::duration_cast<Duration>(now - step_began)});
    step_began = now;
    report.elapsed = std::chrono::duration_cast<Duration>(now - began);
    return ok;
  };
  std::unique_ptr<Fault> fault = MakePluginFault(kind);
  FaultContext ctx{spec, runner, drill_id};

  std::string before;
  if (kind.snapshot) {
    Expected<std::string> snap = co_await Snapshot(kind, spec, runner, drill_id);
    if (!add("snapshot before", snap.ok(), snap ? *snap : snap.error().message)) co_return report;
    before = *snap;
  }
  Expected<std::string> prior = co_await fault->Prepare(ctx);
  if (!add("prepare (validate)", prior.ok(), prior ? "state " + *prior : prior.error().message)) {
    co_return report;
  }
  Expected<std::string> state = co_await fault->InjectAndCapture(ctx, *prior);
  if (!add("inject", state.ok(), state ? "state " + *state : state.error().message)) {
    // It may be partly in place: restore with what is known.
    Status st = co_await fault->Restore(ctx, *prior);
    add("restore after failed inject", st.ok(), st ? "" : st.error().message);
    co_return report;
  }
  Expected<bool> in_place = co_await fault->Check(ctx, *state);
  add("check: in place", in_place.ok() && *in_place,
      !in_place ? in_place.error().message : (*in_place ? "in place" : "check says NOT in place"));
  Status restored = co_await fault->Restore(ctx, *state);
  add("restore", restored.ok(), restored ? "" : restored.error().message);
  Expected<bool> gone = co_await fault->Check(ctx, *state);
  add("check: not in place", gone.ok() && !*gone,
      !gone ? gone.error().message : (*gone ? "check says STILL in place" : "not in place"));
  Status again = co_await fault->Restore(ctx, *state);
  add("restore again (idempotent)", again.ok(), again ? "" : again.error().message);
  if (kind.snapshot) {
    Expected<std::string> after = co_await Snapshot(kind, spec, runner, drill_id);
    if (add("snapshot after", after.ok(), after ? *after : after.error().message)) {
      add("snapshot unchanged", *after == before,
          *after == before ? "equal" : fmt::format("before {} after {}", before, *after));
    }
  }
  report.passed = true;
  for (const ConformanceStep& s : report.steps) report.passed = report.passed && s.ok;
  co_return report;
}

}  // namespace firedrill
