#include "orchestrator/engine/restorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "drills/drill_loader.h"
#include "faults/fault.h"
#include "faults/fault_registry.h"
#include "faults/run_on.h"
#include "faults/ssh_runner.h"
#include "orchestrator/engine/dead_mans_switch.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/store/event_log.h"
#include "plugins/plugin_fault.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

std::string Payload(const LedgerEntry& e, bool verified, const std::string& message) {
  boost::json::object o;
  o["fault"] = e.fault_id;
  o["kind"] = e.kind;
  o["target"] = e.target;
  o["run"] = e.run_id;
  o["verified"] = verified;
  o["message"] = message;
  return boost::json::serialize(o);
}

RestoreResult Fail(Database& db, const LedgerEntry& e, const std::string& actor,
                   std::string message, std::string manual) {
  FaultLedger(db).SetStatus(e.id, LedgerStatus::kRestoreFailed, message).ok();
  EventLog(db).Append({e.drill_id, "restore-failed", actor, Payload(e, false, message), {}}).ok();
  return RestoreResult{false, std::move(message), std::move(manual)};
}

}  // namespace

RestoreAttempt AttemptRestore(Fault& fault, const FaultContext& ctx, const std::string& state) {
  const FaultSpec& spec = ctx.spec;
  std::string manual = spec.restore_command.value_or(fault.ManualRestore(ctx, state));
  auto failed = [&](std::string message) {
    return RestoreAttempt{false, false, std::move(message), manual};
  };
  if (spec.restore_command) {
    auto r = RunBlocking(ctx.runner.Run(*spec.restore_command, spec.restore_timeout));
    if (!r.ok()) return failed("restore command could not start: " + r.error().message);
    if (!r->ok()) {
      return failed("restore command failed: " + SummarizeFailure(*r, spec.restore_timeout));
    }
  } else if (Status st = RunBlocking(fault.Restore(ctx, state)); !st) {
    return failed("restore failed: " + st.error().message);
  }
  std::string where = fmt::format("{} ({} on {})", spec.id, spec.kind, spec.target);
  if (!fault.Checkable(ctx)) {
    // Nothing can observe this fault (a command fault without `check`): the restore command's
    // success is the only evidence, and the record says so rather than claiming a check.
    return RestoreAttempt{true, false,
                          fmt::format("fault {} restored; no check command, so verified only by "
                                      "the restore command's exit status",
                                      where),
                          manual};
  }
  // Verified or not restored: the check must say the fault is gone.
  auto in_place = RunBlocking(fault.Check(ctx, state));
  if (!in_place.ok()) return failed("restore could not be verified: " + in_place.error().message);
  if (*in_place) return failed("restore ran but the fault is still in place");
  return RestoreAttempt{true, true, fmt::format("fault {} restored and verified", where), manual};
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
  EventLog(db)
      .Append({e.drill_id, "fault-restored", actor, Payload(e, a.checked, a.message), {}})
      .ok();
  return RestoreResult{true, a.message, ""};
}

RestoreResult RestoreLedgerEntry(Database& db, const LedgerEntry& e, const std::string& actor) {
  LoadResult loaded = LoadDrillText(e.drill_source, e.drill_file, DrillFaultCatalog());
  if (!loaded.ok()) {
    return Fail(db, e, actor,
                fmt::format("cannot rebuild fault {} from the recorded drill file: {}", e.fault_id,
                            loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].ToString()),
                "undo it by hand; the ledger state is: " + e.state);
  }
  const Drill& drill = *loaded.drill;
  auto spec = std::find_if(drill.faults.begin(), drill.faults.end(),
                           [&](const FaultSpec& f) { return f.id == e.fault_id; });
  if (spec == drill.faults.end() || drill.targets.count(spec->target) == 0) {
    return Fail(db, e, actor, fmt::format("fault {} is not in the recorded drill", e.fault_id),
                "undo it by hand; the ledger state is: " + e.state);
  }
  std::unique_ptr<Fault> fault = MakeFaultFor(*spec);
  auto runner = MakeRunner(drill.targets.at(spec->target));
  if (!fault || !runner.ok()) {
    return Fail(db, e, actor,
                !runner.ok() ? runner.error().message
                             : fmt::format("fault kind {} has no runtime in this build", e.kind),
                "undo it by hand; the ledger state is: " + e.state);
  }
  FaultContext ctx{*spec, **runner, e.drill_id};
  RestoreResult result = RecordRestore(db, e, AttemptRestore(*fault, ctx, e.state), actor);
  if (result.restored && dynamic_cast<SshRunner*>(runner->get()) != nullptr) {
    // Restored by hand or after a crash: the remote switch must not fire later. Harmless if it
    // does (restores are idempotent), so a failure here is recorded, not fatal.
    Status disarmed = DisarmDeadMansSwitch(**runner, e.run_id, e.fault_id);
    EventLog(db)
        .Append({e.drill_id,
                 disarmed ? "deadman-disarmed" : "deadman-disarm-failed",
                 actor,
                 Payload(e, true, disarmed ? "disarmed" : disarmed.error().message),
                 {}})
        .ok();
  }
  return result;
}

Expected<std::vector<std::pair<LedgerEntry, RestoreResult>>> RestoreOutstanding(
    Database& db, const std::string& actor) {
  auto outstanding = FaultLedger(db).Outstanding();
  if (!outstanding.ok()) return outstanding.error();
  std::vector<std::pair<LedgerEntry, RestoreResult>> remaining;
  // Newest first: undo in the reverse order of injection.
  for (auto it = outstanding->rbegin(); it != outstanding->rend(); ++it) {
    RestoreResult r = RestoreLedgerEntry(db, *it, actor);
    if (!r.restored) remaining.emplace_back(*it, std::move(r));
  }
  return remaining;
}

}  // namespace firedrill
