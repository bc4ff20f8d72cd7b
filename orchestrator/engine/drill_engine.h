// One run of one drill as a coroutine on a caller's io_context: the engine's state machine,
// shared by `firedrill run` (one drill, its own loop) and the daemon (many drills, one loop).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "drills/drill.h"
#include "orchestrator/alerts/alert_payload.h"
#include "orchestrator/control/control_handler.h"
#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/engine_env.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/record_writer.h"

namespace firedrill {

/// Runs one drill: waiting → preflight → injecting → active → restoring → closed (or refused,
/// aborted, restore-failed). Every fault is written to the ledger before it is applied; restore
/// runs at the restore point, on RequestAbort, on a guard trip and on a failed step. Lives on
/// `io`'s thread: every member function is called there. `drill`, `options`, `db` and the
/// streams must outlive the engine. Destroy it only after `done` was called (not from inside
/// `done`: post the destruction).
class DrillEngine {
 public:
  /// `env` replaces the engine's clock, fault and runner makers and probe checker (tests); the
  /// default is the real world.
  /// `writer` writes the run's records (events, ledger rows) off the loop, in order; `db` is the
  /// loop's own connection, for reads.
  DrillEngine(boost::asio::io_context& io, const Drill& drill, const RunOptions& options,
              Database& db, RecordWriter& writer, std::ostream& out, std::ostream& err,
              EngineEnv env = {});
  ~DrillEngine();
  DrillEngine(const DrillEngine&) = delete;
  DrillEngine& operator=(const DrillEngine&) = delete;

  /// Starts the run on the io_context. `done(exit_status)` (an ExitStatus value) is called once,
  /// on the loop thread, when the run is closed.
  void Start(std::function<void(int)> done);

  /// Asks the run to stop early for `reason` (restoring whatever is in place). Returns false,
  /// changing nothing, when an abort was already requested or the restore has begun.
  bool RequestAbort(std::string reason);

  /// Answers an ack or abort of the control API for this run (see RunControl).
  ControlResponse HandleControl(const ControlRequest& request);

  /// Takes note of an alert received from the team's monitoring: the first firing alert matching
  /// the drill's `detection.match` that began at or after the first injection began is recorded
  /// as `alert-detected`; a firing alert matching an alert guard, while faults are in place,
  /// trips it. An alert arriving while the first fault is being injected (applied, not yet
  /// confirmed by its check) is held and weighed at T0.
  void OnAlert(const Alert& alert);

  /// The run's id ("" before Start), its phase, whether the restore has begun, and T0.
  const std::string& run_id() const;
  const std::string& phase() const;
  bool restoring() const;
  const std::optional<SysTime>& t0() const;
  /// Everything the run knows so far (timings, acks); read it on the loop thread only.
  const RunState& state() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace firedrill
