// The injection of a run (drill_engine_impl.h): the plan's faults at their times, batch by
// batch, each ledger entry durable first, a dead man's switch on a remote target, T0.
#include "drills/zoned_time.h"
#include "faults/ssh_runner.h"
#include "orchestrator/engine/dead_mans_switch.h"
#include "orchestrator/engine/drill_engine_impl.h"
#include "orchestrator/engine/fan_out.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

}  // namespace

asio::awaitable<bool> DrillEngine::Impl::InjectAll(const DrillPlan& plan) {
  run_.phase = "injecting";
  std::size_t i = 0;
  while (i < plan.faults.size()) {
    const PlannedFault& first = plan.faults[i];
    bool due = co_await SleepUntil(first.inject_at);
    if (!due) co_return false;
    const FaultSpec* head = FindSpec(first.id);
    if (head == nullptr) {
      run_.RequestAbort(
          fmt::format("internal error: the plan names fault {}, which the drill "
                      "does not have",
                      first.id));
      co_return false;
    }
    std::vector<const FaultSpec*> batch{head};
    std::size_t j = i + 1;
    while (j < plan.faults.size() && plan.faults[j].inject_at == first.inject_at &&
           GroupOf(plan.faults[j].id) == head->group) {
      batch.push_back(FindSpec(plan.faults[j].id));
      ++j;
    }
    i = j;
    bool go_on = co_await InjectBatch(plan, batch);
    if (!go_on) co_return false;
  }
  co_return true;
}

asio::awaitable<bool> DrillEngine::Impl::InjectBatch(const DrillPlan& plan,
                                                     const std::vector<const FaultSpec*>& batch) {
  const FaultSpec& head = *batch.front();
  std::vector<Outcome> outcome(batch.size(), Outcome::kNotTried);
  co_await FanOut(
      io_, batch.size(), static_cast<std::size_t>(std::max(1, head.parallel)),
      [&](std::size_t k) { return InjectMember(plan, *batch[k], outcome[k]); },
      [this] { return run_.abort_reason.has_value(); });
  if (run_.abort_reason) co_return false;
  std::vector<std::string> injected;
  std::vector<std::string> failed;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (outcome[k] == Outcome::kInjected) injected.push_back(batch[k]->target);
    if (outcome[k] == Outcome::kFailed) failed.push_back(batch[k]->target);
  }
  if (failed.empty()) co_return true;
  const bool fanned = batch.size() > 1;
  if (!fanned) {
    run_.RequestAbort(fmt::format("injection of {} failed", head.id));
    co_return false;
  }
  if (head.on_partial == PartialPolicy::kRollback || injected.empty()) {
    rec_.Record(
        EventKind::kPartialInjection,
        PartialInjection{
            .fault = head.group, .injected = injected, .failed = failed, .policy = "rollback"},
        fmt::format("{} failed on {} of {} targets ({}); rolling back everywhere", head.group,
                    failed.size(), batch.size(), fmt::join(failed, ", ")));
    run_.RequestAbort(fmt::format("partial injection of {} rolled back", head.group));
    co_return false;
  }
  // on_partial = continue: undo it where it failed (a half-applied fault), then go on with the
  // targets that have it; the record names both.
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (outcome[k] != Outcome::kFailed) continue;
    auto entry = std::find_if(ledger_.begin(), ledger_.end(),
                              [&](const LedgerEntry& e) { return e.fault_id == batch[k]->id; });
    if (entry == ledger_.end()) continue;  // failed before its ledger entry: nothing applied
    RestoreResult r = co_await RestoreOne(*entry);  // leaves the ledger list when restored
    if (!r.restored) {
      run_.RequestAbort(fmt::format("{} could not be undone on {} after a failed injection",
                                    batch[k]->id, batch[k]->target));
      co_return false;
    }
  }
  rec_.Record(
      EventKind::kPartialInjection,
      PartialInjection{
          .fault = head.group, .injected = injected, .failed = failed, .policy = "continue"},
      fmt::format("{} is in place on {} of {} targets ({}); failed and undone on {}; "
                  "continuing (on_partial = continue)",
                  head.group, injected.size(), batch.size(), fmt::join(injected, ", "),
                  fmt::join(failed, ", ")));
  co_return true;
}

asio::awaitable<void> DrillEngine::Impl::InjectMember(const DrillPlan& plan, const FaultSpec& spec,
                                                      Outcome& outcome) {
  bool ok = co_await InjectOne(plan, spec);
  outcome = ok ? Outcome::kInjected : Outcome::kFailed;
}

asio::awaitable<bool> DrillEngine::Impl::InjectOne(const DrillPlan& plan, const FaultSpec& spec) {
  LedgerEntry entry;
  entry.run_id = run_.run_id;
  entry.drill_id = drill_.id;
  entry.fault_id = spec.id;
  entry.kind = spec.kind;
  entry.target = spec.target;
  entry.drill_source = opt_.drill_source;
  entry.drill_file = opt_.drill_file;
  entry.state = states_[spec.id];
  entry.status = LedgerStatus::kInjecting;
  FaultContext ctx{spec, *FindRunner(runners_, spec.target), drill_.id};
  Fault& fault = *faults_[spec.id];
  // What a restore from another shell needs (recover): the plugins the drill's text names, and
  // the text for undoing it by hand that this run would print.
  entry.plugins = plugin_paths_;
  entry.manual = spec.restore_command.value_or(fault.ManualRestore(ctx, entry.state));
  // Durable before the fault exists.
  std::function<Expected<std::int64_t>(Database&)> intent = [entry](Database& db) {
    return FaultLedger(db).RecordIntent(entry);
  };
  Expected<std::int64_t> id = co_await rec_.Write(std::move(intent));
  if (!id.ok()) {
    rec_.Record(EventKind::kInjectFailed,
                InjectFailed{.fault = spec.id, .error = id.error().message},
                fmt::format("not injecting {}: the fault ledger cannot be written: {}", spec.id,
                            id.error().message));
    co_return false;
  }
  entry.id = *id;
  ledger_.push_back(entry);  // from here on, every ending restores it
  // Every process the inject starts is in the ledger before it may run: after a crash,
  // whoever restores the fault makes sure none of them still runs (KillRecordedProcesses).
  const std::int64_t ledger_id = *id;
  ctx.inject_hooks.on_started = [this,
                                 ledger_id](const ProcessIdentity& p) -> asio::awaitable<Status> {
    std::function<Status(Database&)> add = [ledger_id, p](Database& db) {
      return FaultLedger(db).AddProcess(ledger_id, p);
    };
    co_return co_await rec_.Write(std::move(add));
  };
  if (dynamic_cast<SshRunner*>(&ctx.runner) != nullptr) {
    // On another machine, a restore that fires by itself if this process never comes back.
    std::string undo = spec.restore_command.value_or(fault.ManualRestore(ctx, states_[spec.id]));
    Duration fires_in = plan.give_up_at - facts_.clock().Utc();
    Status armed = co_await ArmDeadMansSwitch(ctx.runner, run_.run_id, spec.id, fires_in, undo);
    if (!armed) {
      rec_.Record(EventKind::kInjectFailed,
                  InjectFailed{.fault = spec.id, .error = armed.error().message},
                  fmt::format("not injecting {}: {}", spec.id, armed.error().message));
      co_return false;
    }
    armed_[spec.id] = plan.give_up_at;
    rec_.Record(
        EventKind::kDeadmanArmed,
        DeadmanArmed{.fault = spec.id,
                     .target = spec.target,
                     .fires_at = plan.give_up_at,
                     .name = DeadMansSwitchName(run_.run_id, spec.id)},
        fmt::format("dead man's switch armed on {}: restores {} at {} unless disarmed", spec.target,
                    spec.id, FormatInZone(plan.give_up_at, drill_.window.zone)));
  }
  const std::string prior = states_[spec.id];
  if (!run_.inject_began) {
    // From here on the run measures: anchor its fact times now, so that a long wait for the
    // window adds no drift to them.
    facts_.Reanchor();
    run_.inject_began = facts_.UtcNow();
  }
  Expected<std::string> captured = co_await fault.InjectAndCapture(ctx, prior);
  // The fault is in place from the moment its inject returned (its check confirms it below).
  const SysTime applied = facts_.UtcNow();
  if (captured.ok() && *captured != prior) {
    // What inject learnt (a plugin's state) is what restore needs: durable before going on.
    std::function<Status(Database&)> keep =
        [id = *id, state = *captured,
         manual =
             spec.restore_command.value_or(fault.ManualRestore(ctx, *captured))](Database& db) {
          Status st = FaultLedger(db).SetState(id, state);
          return st ? FaultLedger(db).SetManual(id, manual) : st;
        };
    Status kept = co_await rec_.Write(std::move(keep));
    if (!kept) {
      rec_.Record(EventKind::kWarning, Warning{.fault = spec.id, .error = kept.error().message},
                  fmt::format("warning: the state {} returned at inject cannot be kept in the "
                              "ledger ({}); a restore after a crash uses the state before it",
                              spec.id, kept.error().message));
    }
    states_[spec.id] = *captured;
    for (LedgerEntry& e : ledger_) {
      if (e.id == *id) e.state = *captured;
    }
  }
  const std::string state = captured.ok() ? *captured : prior;
  // A fault nothing can observe (no check command) counts as in place once injected.
  Expected<bool> in_place = captured.ok() ? Expected<bool>(true) : Expected<bool>(captured.error());
  if (captured.ok() && fault.Checkable(ctx)) {
    in_place = co_await fault.Check(ctx, state);
  }
  if (!in_place.ok() || !*in_place) {
    std::string why =
        !in_place.ok() ? in_place.error().message : "its check says it is not in place";
    rec_.Record(EventKind::kInjectFailed,
                InjectFailed{.fault = spec.id, .target = spec.target, .error = why},
                fmt::format("injecting {} failed: {}", spec.id, why));
    co_return false;
  }
  rec_.Post(
      [id = *id](Database& db) { FaultLedger(db).SetStatus(id, LedgerStatus::kInjected).ok(); });
  const bool first = !run_.t0;
  if (first) {
    // T0, recorded once as its own fact: when the first fault was in place (its inject
    // returned), as its check has now confirmed. Every TTD and TTR is measured from it.
    run_.t0 = applied;
    rec_.RecordAt(applied, EventKind::kT0,
                  T0{.at = applied, .fault = spec.id, .target = spec.target},
                  fmt::format("T0: {} in place on {}", spec.id, spec.target));
  }
  rec_.RecordAt(applied, EventKind::kFaultInjected,
                FaultInjected{.fault = spec.id, .kind = spec.kind, .target = spec.target},
                fmt::format("injected {} ({} on {})", spec.id, spec.kind, spec.target));
  if (first) {
    // Held while the first fault was being confirmed: weighed as if received at T0.
    std::vector<Alert> held = std::move(held_alerts_);
    held_alerts_.clear();
    for (const Alert& a : held) WeighAlert(a, applied);
  }
  co_return true;
}

}  // namespace firedrill
