// The active phase and the restore of a run (drill_engine_impl.h): the faults in place until the
// restore point, then every fault undone, newest first, retried until the give-up point, and the
// run closed.
#include "drills/zoned_time.h"
#include "faults/ssh_runner.h"
#include "orchestrator/engine/dead_mans_switch.h"
#include "orchestrator/engine/drill_engine_impl.h"
#include "orchestrator/engine/fan_out.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

}  // namespace

asio::awaitable<void> DrillEngine::Impl::Active(const DrillPlan& plan) {
  run_.phase = "active";
  rec_.Record(EventKind::kActive, firedrill::Active{.restore_at = plan.restore_at},
              fmt::format("drill active: the faults stay in place until the restore point at "
                          "{} (or an abort); detection and recovery are timed meanwhile",
                          FormatInZone(plan.restore_at, drill_.window.zone)));
  watch_.Start();
  co_await SleepUntil(plan.restore_at);
  watch_.Stop();
}

asio::awaitable<void> DrillEngine::Impl::RestoreAll() {
  run_.phase = "restoring";
  run_.restoring = true;
  watch_.Stop();
  std::string reason = run_.abort_reason.value_or("the restore point of the window was reached");
  rec_.Record(EventKind::kRestoreStarted, RestoreStarted{.reason = reason},
              fmt::format("restoring: {}", reason));
  std::vector<LedgerEntry> pending(ledger_.rbegin(), ledger_.rend());
  std::vector<UnrestoredEntry> remaining;
  Duration backoff = std::chrono::seconds(1);
  for (int attempt = 1;; ++attempt) {
    remaining.clear();
    std::vector<LedgerEntry> still;
    const SysTime now = facts_.clock().Utc();
    // The next attempt: after the backoff, and never later than the give-up point, where the
    // last attempt is made. None after the give-up point.
    const std::optional<SysTime> next =
        now < plan_.give_up_at ? std::optional<SysTime>(std::min(now + backoff, plan_.give_up_at))
                               : std::nullopt;
    // Newest first; the members of one fan-out group (one fault on many targets) together.
    std::size_t i = 0;
    while (i < pending.size()) {
      const FaultSpec* head = FindSpec(pending[i].fault_id);
      const std::string group = GroupOf(pending[i].fault_id);
      std::size_t j = i + 1;
      while (j < pending.size() && GroupOf(pending[j].fault_id) == group) ++j;
      std::vector<RestoreResult> results(j - i);
      int parallel = head != nullptr ? std::max(1, head->parallel) : 1;
      co_await FanOut(io_, j - i, static_cast<std::size_t>(parallel), [&](std::size_t k) {
        return RestoreMember(pending[i + k], attempt, next, results[k]);
      });
      for (std::size_t k = 0; k < results.size(); ++k) {
        if (!results[k].restored) {
          still.push_back(pending[i + k]);
          remaining.emplace_back(pending[i + k], std::move(results[k]));
        }
      }
      i = j;
    }
    pending = std::move(still);
    if (pending.empty() || !next) break;
    co_await backoff_timer_->WaitUntil(facts_.Now() + (*next - facts_.clock().Utc()));
    backoff = std::min<Duration>(backoff * 2, std::chrono::seconds(30));
  }
  exit_ = co_await CloseRun(run_, rec_, opt_, remaining, ArmedSwitches(remaining));
}

asio::awaitable<void> DrillEngine::Impl::RestoreMember(const LedgerEntry& e, int attempt,
                                                       std::optional<SysTime> next,
                                                       RestoreResult& result) {
  result = co_await RestoreOne(e, attempt, next);
}

asio::awaitable<RestoreResult> DrillEngine::Impl::RestoreOne(LedgerEntry e, int attempt,
                                                             std::optional<SysTime> next) {
  auto fault = faults_.find(e.fault_id);
  CommandRunner* runner = FindRunner(runners_, e.target);
  const FaultSpec* spec = FindSpec(e.fault_id);
  RestoreAttempt tried;
  if (fault == faults_.end() || runner == nullptr || spec == nullptr) {
    // Not built by this run's preflight (cannot happen for entries it wrote).
    tried.message = fmt::format("fault {} has no runtime in this run", e.fault_id);
    tried.manual = "undo it by hand; the ledger state is: " + e.state;
  } else {
    FaultContext ctx{*spec, *runner, drill_.id};
    try {
      tried = co_await AttemptRestore(*fault->second, ctx, e.state);
    } catch (const std::exception& ex) {
      // A bug in a fault kind must not stop the other restores, nor this one's retries.
      tried.message = fmt::format("internal error while restoring: {}", ex.what());
      tried.manual = fault->second->ManualRestore(ctx, e.state);
    }
  }
  RestoreResult result = co_await RecordRestoreAttempt(e, tried, attempt, next);
  if (result.restored && runner != nullptr && dynamic_cast<SshRunner*>(runner) != nullptr) {
    Status disarmed = co_await DisarmDeadMansSwitch(*runner, run_.run_id, e.fault_id);
    if (disarmed) {
      armed_.erase(e.fault_id);
      rec_.Record(EventKind::kDeadmanDisarmed,
                  DeadmanDisarm{.fault = e.fault_id, .target = e.target},
                  fmt::format("dead man's switch of {} disarmed", e.fault_id));
    } else {
      // Harmless if it fires (restores are idempotent), but worth knowing.
      rec_.Record(EventKind::kDeadmanDisarmFailed,
                  DeadmanDisarm{.fault = e.fault_id, .error = disarmed.error().message},
                  fmt::format("warning: {}", disarmed.error().message));
    }
  }
  co_return result;
}

asio::awaitable<RestoreResult> DrillEngine::Impl::RecordRestoreAttempt(
    LedgerEntry e, RestoreAttempt tried, int attempt, std::optional<SysTime> next) {
  if (tried.restored) {
    std::function<Status(Database&)> restored = [id = e.id, checked = tried.checked](Database& db) {
      return FaultLedger(db).SetStatus(id, LedgerStatus::kRestored, checked ? "" : "unchecked");
    };
    Status st = co_await rec_.Write(std::move(restored));
    if (st) {
      std::erase_if(ledger_, [&](const LedgerEntry& x) { return x.id == e.id; });
      rec_.Record(EventKind::kFaultRestored, RestorePayload(e, tried.checked, tried.message),
                  tried.message);
      co_return RestoreResult{true, tried.message, "", tried.checked};
    }
    tried.restored = false;
    tried.message = "restored, but the ledger could not be updated: " + st.error().message;
  }
  std::function<Status(Database&)> failed = [id = e.id, note = tried.message](Database& db) {
    return FaultLedger(db).SetStatus(id, LedgerStatus::kRestoreFailed, note);
  };
  Status noted = co_await rec_.Write(std::move(failed));
  if (!noted) {
    rec_.Warn(
        fmt::format("firedrill: the ledger could not be updated: {}\n", noted.error().message));
  }
  FaultRestored payload = RestorePayload(e, false, tried.message);
  payload.attempt = attempt;
  payload.next_attempt_at = next;
  rec_.Record(
      EventKind::kRestoreFailed, payload,
      fmt::format("restore of {} failed (attempt {}): {}; {}", e.fault_id, attempt, tried.message,
                  next ? fmt::format("next attempt at {}", FormatInZone(*next, drill_.window.zone))
                       : std::string("no attempt is left before the give-up point")));
  co_return RestoreResult{false, tried.message, tried.manual};
}

std::vector<ArmedSwitch> DrillEngine::Impl::ArmedSwitches(
    const std::vector<UnrestoredEntry>& remaining) const {
  std::vector<ArmedSwitch> out;
  for (const auto& [e, r] : remaining) {
    auto it = armed_.find(e.fault_id);
    if (it != armed_.end()) out.push_back({e.fault_id, e.target, it->second});
  }
  return out;
}

const FaultSpec* DrillEngine::Impl::FindSpec(const std::string& id) const {
  for (const FaultSpec& f : drill_.faults) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string DrillEngine::Impl::GroupOf(const std::string& id) const {
  const FaultSpec* spec = FindSpec(id);
  return spec != nullptr ? spec->group : "\n" + id;
}

}  // namespace firedrill
