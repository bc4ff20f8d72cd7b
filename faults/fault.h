// The runtime side of a fault kind: prepare (look both ways, capture the prior state), inject,
// check, restore. Pure of the engine: the engine persists the prior state in its ledger *before*
// calling Inject and hands it back to Check and Restore, even after a crash and restart.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "drills/drill.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// What a fault operation gets: the fault as written and where to run commands.
struct FaultContext {
  const FaultSpec& spec;
  CommandRunner& runner;
  std::string drill_id;
  /// Passed to the runner for every command of Inject / InjectAndCapture that changes the
  /// target (the commands that only look are run without): with `on_started` set, each such
  /// command starts behind a gate and its process identity is reported first, so that a crash
  /// mid-inject leaves nothing running that nobody knows of (see KillRecordedProcesses).
  RunHooks inject_hooks = {};
};

/// One fault kind's behaviour. Implementations are stateless: everything needed to undo a fault
/// lives in the `state` JSON text returned by Prepare, which the engine stores durably.
/// The operations that run commands are coroutines on the awaiting coroutine's executor (see
/// CommandRunner::Run for what that executor must be); `ctx` and `state` must stay alive until
/// the awaitable has completed (await it at once).
class Fault {
 public:
  virtual ~Fault() = default;

  /// Checks the fault's preconditions (e.g. exactly one process matches) and captures what is
  /// needed to undo it (e.g. the pid and command line). Changes nothing on the target. Returns
  /// the prior state as a JSON object text, or an Error saying why injecting is refused.
  virtual boost::asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) = 0;

  /// Applies the fault. Called only after `state` was durably recorded.
  virtual boost::asio::awaitable<Status> Inject(const FaultContext& ctx,
                                                const std::string& state) = 0;

  /// Applies the fault like Inject and returns the state Restore will need from now on. The
  /// default calls Inject and returns `state` unchanged; kinds that learn their undo state only
  /// while injecting (external plugins) override it. The caller records the returned state
  /// durably (replacing the one from Prepare) as soon as this returns.
  virtual boost::asio::awaitable<Expected<std::string>> InjectAndCapture(const FaultContext& ctx,
                                                                         const std::string& state);

  /// Returns true iff the fault is currently in place (used to verify inject and restore).
  virtual boost::asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                                       const std::string& state) = 0;

  /// Returns false when Check cannot observe the fault at all (a command fault without a `check`
  /// command, whose Check then always says "in place"): the caller should take a successful
  /// inject or restore as verified instead of asking Check. Most kinds can always check.
  virtual bool Checkable(const FaultContext& /*ctx*/) const { return true; }

  /// Undoes the fault. Idempotent: restoring a fault that is not in place succeeds and changes
  /// nothing. A spec's `restore` command, when given, is run instead by the engine.
  virtual boost::asio::awaitable<Status> Restore(const FaultContext& ctx,
                                                 const std::string& state) = 0;

  /// Returns shell commands a person can run to undo the fault by hand (for the "restore
  /// incomplete" report). Runs nothing.
  virtual std::string ManualRestore(const FaultContext& ctx, const std::string& state) = 0;
};

/// Returns the runtime of a built-in kind, or nullptr if `kind` has none (e.g. a plugin kind).
std::unique_ptr<Fault> MakeBuiltinFault(const std::string& kind);

}  // namespace firedrill
