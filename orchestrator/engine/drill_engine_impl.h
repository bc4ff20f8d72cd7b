// The engine's inside, shared by the pieces of one run and by nothing else: drill_engine.cpp,
// the lifecycle (start, the run in order, waiting, the end of the run's row, internal errors,
// and what comes in from outside: aborts, control requests, alerts), engine_preflight.cpp (the
// preflight), engine_inject.cpp (the injection) and engine_restore.cpp (the active phase and the
// restore).
#pragma once

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/asio.hpp>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "drills/drill_plan.h"
#include "drills/wheel.h"
#include "faults/fault.h"
#include "orchestrator/engine/drill_engine.h"
#include "orchestrator/engine/engine_env.h"
#include "orchestrator/engine/live_display.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_clock.h"
#include "orchestrator/engine/run_close.h"
#include "orchestrator/engine/run_control.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/engine/run_watch.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/fault_ledger.h"

namespace firedrill {

/// One run (drill_engine.h): the phases of one run, in order, on `io_`'s thread. The lifecycle is
/// in drill_engine.cpp, the preflight in engine_preflight.cpp, the injection in
/// engine_inject.cpp, the active phase and the restore in engine_restore.cpp; the watchers, the
/// control handler, the recorder and the close live in their own files (run_watch, run_control,
/// run_recorder, run_close).
class DrillEngine::Impl {
 public:
  Impl(boost::asio::io_context& io, const Drill& drill, const RunOptions& options, Database& db,
       RecordWriter& writer, std::ostream& out, std::ostream& err, EngineEnv env);

  /// Starts the run (and the live block on a terminal); `done(exit)` when it is closed.
  void Start(std::function<void(int)> done);

  /// See DrillEngine::RequestAbort.
  bool RequestAbort(std::string reason);

  /// Records a bug met at `where` (an exception) and ends the run early: every fault in place is
  /// restored by the usual path, and the run ends aborted with this as its reason.
  void InternalError(const std::string& where, const std::string& what);

  /// The message of the exception `e`.
  static std::string What(const std::exception_ptr& e);

  /// See DrillEngine::HandleControl.
  ControlResponse HandleControl(const ControlRequest& request);

  /// See DrillEngine::OnAlert: a firing alert while faults are in place is weighed (WeighAlert),
  /// or held until T0 while the first fault is being injected.
  void OnAlert(const Alert& alert);

  /// An alert while a fault is in place, received at `received` (not before T0): detection when
  /// it matches `detection.match` and began since injection began, and an abort when it matches
  /// an alert guard.
  void WeighAlert(const Alert& alert, SysTime received);

  const RunState& run() const { return run_; }

 private:
  // --- The lifecycle (drill_engine.cpp).

  // Sleeps until `deadline` or an abort, whichever comes first. Returns false on abort.
  boost::asio::awaitable<bool> SleepUntil(SysTime deadline);

  // The run, whatever it throws: an exception anywhere restores every fault in place, records
  // why and ends the run like an abort (kExitAborted when everything was restored).
  boost::asio::awaitable<void> Guarded();

  // Marks the run ended in the runs table, with the outcome its records show; everything the run
  // recorded is on disk when this completes.
  boost::asio::awaitable<void> EndRunRow();

  // The run in order: recorded as started, waiting for the window, preflight, injection, the
  // active phase, the restore.
  boost::asio::awaitable<void> Main();

  // Shows the wait where there is no live block: a progress line every 10 minutes. Ends when the
  // wait does (countdown_timer_ is cancelled then).
  boost::asio::awaitable<void> Countdown(SysTime deadline);

  // --- The preflight (engine_preflight.cpp).

  // Records the refusal for `reasons` and ends the run refused.
  void Refuse(std::vector<std::string> reasons);

  // "Look both ways": targets reachable, probes green, guards enforceable, fault preconditions
  // hold. Captures each fault's prior state for the ledger.
  boost::asio::awaitable<bool> Preflight();

  // The preflight checks that need no target (see CheckAdmission); records an overridden
  // announcement lead and copies the briefing into the run, so that its record stands on its own
  // (postmortem, audit).
  void CheckAlertsAndAnnouncement(std::vector<std::string>& problems);

  // Connects one remote target; on failure sets `problem`.
  boost::asio::awaitable<void> ConnectTarget(const std::string& name, std::string& problem);

  // Checks that probe `p` is green before anything is broken; otherwise sets `problem`.
  boost::asio::awaitable<void> PreflightProbe(const Probe& p, std::string& problem);

  // Builds the runtime of fault `f` and captures its prior state (its preconditions are checked
  // there); on failure sets `problem`. Leaves `fault` empty when its target did not come up
  // (already reported).
  boost::asio::awaitable<void> PrepareFault(const FaultSpec& f, std::unique_ptr<Fault>& fault,
                                            std::string& state, std::string& problem);

  // --- The injection (engine_inject.cpp).

  // Injects the plan's faults at their times. Faults of one group due at the same instant (one
  // fault written with several targets) form a batch injected in parallel, at most `parallel` at
  // once; a partial failure is rolled back or continued by the fault's `on_partial`, never left
  // ambiguous. Returns false when the drill must not go on (the restore then runs).
  boost::asio::awaitable<bool> InjectAll(const DrillPlan& plan);

  // Where one member of a batch got to.
  enum class Outcome { kNotTried, kInjected, kFailed };

  // Injects one batch (one group due at one instant), then applies its `on_partial` to a partial
  // failure. Returns false when the drill must not go on.
  boost::asio::awaitable<bool> InjectBatch(const DrillPlan& plan,
                                           const std::vector<const FaultSpec*>& batch);

  // InjectOne for one member of a batch, its result in `outcome`.
  boost::asio::awaitable<void> InjectMember(const DrillPlan& plan, const FaultSpec& spec,
                                            Outcome& outcome);

  // One fault on one target: ledger entry (durable first), dead man's switch for a remote target,
  // inject, verify. Records what happened; returns whether the fault is in place.
  boost::asio::awaitable<bool> InjectOne(const DrillPlan& plan, const FaultSpec& spec);

  // --- The active phase and the restore (engine_restore.cpp).

  // The active phase: the faults in place and the watchers running until the restore point of
  // the plan or an abort.
  boost::asio::awaitable<void> Active(const DrillPlan& plan);

  // Undoes every fault of this run still in place, newest first, with the fault objects and
  // runners preflight built (no re-reading of the drill), retrying with backoff until the give-up
  // point of the window, with a last attempt at it. Never marks a fault restored that its check
  // did not confirm. Every attempt, failed or not, is recorded and shown as it happens.
  boost::asio::awaitable<void> RestoreAll();

  // RestoreOne for one member of a fan-out group, its result in `result`.
  boost::asio::awaitable<void> RestoreMember(const LedgerEntry& e, int attempt,
                                             std::optional<SysTime> next, RestoreResult& result);

  // Restores one ledger entry of this run (attempt number `attempt`; the next one is due at
  // `next`, if any) and records the outcome: the ledger row, and `fault-restored` or
  // `restore-failed` through the recorder (so that it is shown and streamed like every event).
  boost::asio::awaitable<RestoreResult> RestoreOne(LedgerEntry e, int attempt = 1,
                                                   std::optional<SysTime> next = std::nullopt);

  // The ledger row and the event of one restore attempt; a ledger that cannot be updated makes
  // the attempt a failure, so a fault is never reported restored without a record saying so.
  boost::asio::awaitable<RestoreResult> RecordRestoreAttempt(LedgerEntry e, RestoreAttempt tried,
                                                             int attempt,
                                                             std::optional<SysTime> next);

  // The dead man's switches still armed for faults that remain in place, with when they fire.
  std::vector<ArmedSwitch> ArmedSwitches(const std::vector<UnrestoredEntry>& remaining) const;

  // The drill's fault `id`, or nullptr. Ids come from this drill's plan and from the ledger rows
  // this run wrote, so nullptr is a bug; callers turn it into a failed step, never into another
  // fault's spec (which would inject or restore the wrong fault).
  const FaultSpec* FindSpec(const std::string& id) const;
  // What fan-out group a fault restores with: its spec's, or (no spec) a group of its own.
  std::string GroupOf(const std::string& id) const;

  EngineEnv env_;
  FactClock facts_;
  // The wheel of misfortune's choice for this run, and the drill as this run executes it.
  std::optional<WheelChoice> wheel_;
  Drill spun_;
  const Drill& drill_;
  const RunOptions& opt_;
  Database& db_;
  RunState run_;
  RunRecorder rec_;
  RunControl control_handler_;
  boost::asio::io_context& io_;
  std::size_t fan_width_;  // targets connected, probed and prepared at once at preflight
  std::unique_ptr<RunTimer> wake_;
  std::unique_ptr<RunTimer> countdown_timer_;
  std::unique_ptr<LiveDisplay> live_;  ///< the live block, on a terminal only
  std::unique_ptr<RunTimer> backoff_timer_ = facts_.clock().MakeTimer(io_.get_executor());
  ProbeChecker check_probe_;
  RunnerMap runners_;
  RunWatch watch_;
  std::map<std::string, std::unique_ptr<Fault>> faults_;
  std::map<std::string, std::string> states_;
  std::vector<Alert> held_alerts_;        ///< arrived while the first fault was being injected
  std::vector<LedgerEntry> ledger_;       // this run's ledger entries, in injection order
  std::map<std::string, SysTime> armed_;  // dead man's switches armed, by fault: when they fire
  // The executables of the plugin kinds the drill's text names (every fault, drawn or not).
  std::vector<std::string> plugin_paths_;
  DrillPlan plan_;
  int exit_ = kExitOk;
};

}  // namespace firedrill
