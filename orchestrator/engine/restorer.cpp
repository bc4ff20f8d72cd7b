#include "orchestrator/engine/restorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "drills/drill_loader.h"
#include "faults/fault.h"
#include "faults/fault_registry.h"
#include "faults/kill_recorded.h"
#include "faults/local_runner.h"
#include "faults/ssh_runner.h"
#include "orchestrator/engine/dead_mans_switch.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/typed_event.h"
#include "plugins/plugin_fault.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

RestoreResult Fail(Database& db, const LedgerEntry& e, const std::string& actor,
                   std::string message, std::string manual) {
  FaultLedger(db).SetStatus(e.id, LedgerStatus::kRestoreFailed, message).ok();
  AppendTyped(db, e.drill_id, EventKind::kRestoreFailed, actor, RestorePayload(e, false, message))
      .ok();
  return RestoreResult{false, std::move(message), std::move(manual)};
}

}  // namespace

FaultRestored RestorePayload(const LedgerEntry& e, bool verified, const std::string& message) {
  // What the ledger said when the restore began: "injecting" means the run died while the
  // fault's inject had begun, so whether it was in place is unknown.
  return FaultRestored{.fault = e.fault_id,
                       .kind = e.kind,
                       .target = e.target,
                       .run = e.run_id,
                       .verified = verified,
                       .message = message,
                       .ledger_status = std::string(LedgerStatusName(e.status))};
}

boost::asio::awaitable<RestoreAttempt> AttemptRestore(Fault& fault, const FaultContext& ctx,
                                                      std::string state) {
  const FaultSpec& spec = ctx.spec;
  std::string manual = spec.restore_command.value_or(fault.ManualRestore(ctx, state));
  auto failed = [&](std::string message) {
    return RestoreAttempt{false, false, std::move(message), manual};
  };
  if (spec.restore_command) {
    auto r = co_await ctx.runner.Run(*spec.restore_command, spec.restore_timeout);
    if (!r.ok()) co_return failed("restore command could not start: " + r.error().message);
    if (!r->ok()) {
      co_return failed("restore command failed: " + SummarizeFailure(*r, spec.restore_timeout));
    }
  } else {
    Status st = co_await fault.Restore(ctx, state);
    if (!st) co_return failed("restore failed: " + st.error().message);
  }
  std::string where = fmt::format("{} ({} on {})", spec.id, spec.kind, spec.target);
  if (!fault.Checkable(ctx)) {
    // Nothing can observe this fault (a command fault without `check`): the restore command's
    // success is the only evidence, and the record says so rather than claiming a check.
    co_return RestoreAttempt{true, false,
                             fmt::format("fault {} restored; no check command, so verified only "
                                         "by the restore command's exit status",
                                         where),
                             manual};
  }
  // Verified or not restored: the check must say the fault is gone.
  auto in_place = co_await fault.Check(ctx, state);
  if (!in_place.ok()) {
    co_return failed("restore could not be verified: " + in_place.error().message);
  }
  if (*in_place) co_return failed("restore ran but the fault is still in place");
  co_return RestoreAttempt{true, true, fmt::format("fault {} restored and verified", where),
                           manual};
}

RestoreResult RecordRestore(Database& db, const LedgerEntry& e, const RestoreAttempt& a,
                            const std::string& actor) {
  if (!a.restored) return Fail(db, e, actor, a.message, a.manual);
  Status st =
      FaultLedger(db).SetStatus(e.id, LedgerStatus::kRestored, a.checked ? "" : "unchecked");
  if (!st) {
    return RestoreResult{
        false, "restored, but the ledger could not be updated: " + st.error().message, a.manual};
  }
  AppendTyped(db, e.drill_id, EventKind::kFaultRestored, actor,
              RestorePayload(e, a.checked, a.message))
      .ok();
  return RestoreResult{true, a.message, "", a.checked};
}

boost::asio::awaitable<RestoreResult> RestoreLedgerEntry(Database& db, LedgerEntry e,
                                                         std::string actor) {
  // What a person can do when firedrill cannot: the text the run kept for this fault (older
  // records have none).
  const std::string by_hand =
      e.manual.empty() ? "undo it by hand; the ledger state is: " + e.state : e.manual;
  LoadResult loaded = LoadDrillText(e.drill_source, e.drill_file, DrillFaultCatalog());
  std::string plugin_problems;
  if (!loaded.ok() && !e.plugins.empty()) {
    // This shell's plugin search path does not find the drill's plugins (another user, another
    // FIREDRILL_PLUGIN_PATH): the drill is loaded with the plugin executables the run used.
    LocalRunner local;
    std::vector<PluginInfo> plugins;
    for (const std::string& path : e.plugins) {
      PluginInfo info = co_await DescribePlugin(local, path);
      if (!info.ok) {
        plugin_problems +=
            fmt::format("; the run's plugin {} cannot be used: {}", path, info.error);
      }
      plugins.push_back(std::move(info));
    }
    loaded = LoadDrillText(e.drill_source, e.drill_file, PluginCatalog(std::move(plugins)));
  }
  if (!loaded.ok()) {
    co_return Fail(
        db, e, actor,
        fmt::format("cannot rebuild fault {} from the recorded drill file: {}{}", e.fault_id,
                    loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].ToString(),
                    plugin_problems),
        by_hand);
  }
  const Drill& drill = *loaded.drill;
  auto spec = std::find_if(drill.faults.begin(), drill.faults.end(),
                           [&](const FaultSpec& f) { return f.id == e.fault_id; });
  if (spec == drill.faults.end() || drill.targets.count(spec->target) == 0) {
    co_return Fail(db, e, actor, fmt::format("fault {} is not in the recorded drill", e.fault_id),
                   by_hand);
  }
  std::unique_ptr<Fault> fault = MakeFaultFor(*spec);
  auto runner = MakeRunner(drill.targets.at(spec->target));
  if (!fault || !runner.ok()) {
    co_return Fail(db, e, actor,
                   !runner.ok() ? runner.error().message
                                : fmt::format("fault kind {} has no runtime in this build", e.kind),
                   by_hand);
  }
  FaultContext ctx{*spec, **runner, e.drill_id};
  // An inject that was still running when its run died could put the fault back after this
  // restore: every process it started is gone (killed if need be) before the restore and its
  // check, or the fault is not called restored.
  std::string killed;
  for (const ProcessIdentity& p : e.processes) {
    Expected<KillReport> k = co_await KillRecordedProcesses(**runner, p);
    if (!k.ok() || !k->gone) {
      co_return Fail(
          db, e, actor,
          fmt::format("cannot make sure the inject of {} is no longer running ({}): {}", e.fault_id,
                      p.Describe(), k.ok() ? k->Describe() : k.error().message),
          fmt::format("kill process group {} on {}, then undo the fault by hand", p.pgid,
                      e.target));
    }
    if (k->was_running())
      killed += fmt::format("; its inject was still running: {}", k->Describe());
  }
  RestoreAttempt attempt = co_await AttemptRestore(*fault, ctx, e.state);
  attempt.message += killed;
  RestoreResult result = RecordRestore(db, e, attempt, actor);
  if (result.restored && dynamic_cast<SshRunner*>(runner->get()) != nullptr) {
    // Restored by hand or after a crash: the remote switch must not fire later. Harmless if it
    // does (restores are idempotent), so a failure here is recorded, not fatal.
    Status disarmed = co_await DisarmDeadMansSwitch(**runner, e.run_id, e.fault_id);
    AppendTyped(db, e.drill_id,
                disarmed ? EventKind::kDeadmanDisarmed : EventKind::kDeadmanDisarmFailed, actor,
                DeadmanDisarm{.fault = e.fault_id,
                              .kind = e.kind,
                              .target = e.target,
                              .run = e.run_id,
                              .verified = true,
                              .message = disarmed ? "disarmed" : disarmed.error().message,
                              .ledger_status = std::string(LedgerStatusName(e.status))})
        .ok();
  }
  co_return result;
}

boost::asio::awaitable<Expected<std::vector<LeftoverRestore>>> RestoreOutstanding(
    Database& db, std::string actor) {
  auto outstanding = FaultLedger(db).Outstanding();
  if (!outstanding.ok()) co_return outstanding.error();
  std::vector<LeftoverRestore> tried;
  // Newest first: undo in the reverse order of injection.
  for (auto it = outstanding->rbegin(); it != outstanding->rend(); ++it) {
    RestoreResult r = co_await RestoreLedgerEntry(db, *it, actor);
    tried.push_back({*it, std::move(r)});
  }
  co_return tried;
}

std::vector<std::pair<LedgerEntry, RestoreResult>> NotRestored(
    const std::vector<LeftoverRestore>& tried) {
  std::vector<std::pair<LedgerEntry, RestoreResult>> out;
  for (const LeftoverRestore& t : tried) {
    if (!t.result.restored) out.emplace_back(t.entry, t.result);
  }
  return out;
}

}  // namespace firedrill
