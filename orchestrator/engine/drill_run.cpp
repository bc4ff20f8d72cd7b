#include "orchestrator/engine/drill_run.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <ostream>

#include "faults/run_on.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/control/control_server.h"
#include "orchestrator/engine/drill_engine.h"
#include "orchestrator/engine/interrupted_runs.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/termination_signals.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/record_writer.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/witness_publish.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

// The control API of a run in the foreground: its one engine answers everything.
class SingleRunHandler : public ControlHandler {
 public:
  explicit SingleRunHandler(DrillEngine& engine) : engine_(engine) {}
  ControlResponse Handle(const ControlRequest& request) override {
    return engine_.HandleControl(request);
  }

 private:
  DrillEngine& engine_;
};

// SIGINT/SIGTERM abort the run; a signal during the restore is noted and changes nothing.
void WatchSignals(asio::signal_set& signals, DrillEngine& engine, std::ostream& err) {
  signals.async_wait([&signals, &engine, &err](boost::system::error_code ec, int sig) {
    if (ec) return;
    const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (engine.restoring()) {
      fmt::print(err,
                 "firedrill: {} received while restoring; the restore goes on so that no fault "
                 "is left behind\n",
                 name);
    } else {
      engine.RequestAbort(fmt::format("{} received", name));
    }
    WatchSignals(signals, engine, err);
  });
}

// Runs the engine on a loop of its own, with the signals and the control endpoint.
int RunEngine(const Drill& drill, const RunOptions& options, Database& db, RecordWriter& writer,
              std::ostream& out, std::ostream& err) {
  asio::io_context io;
  DrillEngine engine(io, drill, options, db, writer, out, err);
  SingleRunHandler handler(engine);
  ControlServer control(io, options.state_dir, handler);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  WatchSignals(signals, engine, err);
  // Watched now: a signal deferred since start-up (main) is delivered to the set.
  AcceptTerminationSignals();
  // Acks and aborts from other terminals arrive here; a drill runs without it if it can't.
  if (Status st = control.Start(); !st) {
    fmt::print(err,
               "firedrill: control endpoint unavailable ({}); acks will not reach this drill\n",
               st.error().message);
  }
  int status = kExitFailure;
  engine.Start([&](int exit) {
    status = exit;
    signals.cancel();
    control.Stop();
  });
  io.run();
  return status;
}

}  // namespace

int RunDrill(const Drill& drill, const RunOptions& options, std::ostream& out, std::ostream& err) {
  auto db = Database::Open(options.state_dir, OpenMode::kReadWrite);
  if (!db.ok()) {
    fmt::print(err, "firedrill run: {}\n", db.error().ToString());
    return kExitStateError;
  }
  // Another firedrill process (a daemon, a drill in the foreground) running drills on this state
  // dir has faults in the ledger that are not leftovers: restoring them would break its drills.
  if (auto other = FindControlEndpoint(options.state_dir);
      other.ok() && other->pid != 0 && other->pid != getpid()) {
    fmt::print(err,
               "firedrill run: another firedrill process (pid {}) is running drills on state dir "
               "{}; use another --state, or schedule the drill (firedrill schedule) for the "
               "daemon to run\n",
               other->pid, options.state_dir.string());
    return kExitStateError;
  }
  // Anything an earlier run left in place (a crash, a SIGKILL) is restored before anything else,
  // and the runs that died are closed; both are said.
  // On this (the main) thread, which outlives every command it starts (PR_SET_PDEATHSIG).
  auto leftover = RunBlocking(RestoreOutstanding(*db, "run"));
  if (!leftover.ok()) {
    fmt::print(err, "firedrill run: the fault ledger cannot be read: {}\n",
               leftover.error().message);
    return kExitStateError;
  }
  auto closed = CloseInterruptedRuns(*db, *leftover, "run");
  if (!closed.ok()) {
    fmt::print(err, "firedrill run: interrupted runs cannot be closed: {}\n",
               closed.error().message);
  }
  if (!leftover->empty() || (closed.ok() && !closed->empty())) {
    fmt::print(out, "firedrill run: first, what an earlier run left behind:\n{}",
               LeftoversText(*leftover, closed.ok() ? *closed : std::vector<ClosedRun>{}));
  }
  if (!NotRestored(*leftover).empty()) {
    fmt::print(err,
               "firedrill run: faults from an earlier run are still in place and could not "
               "be restored (above); not starting a new drill\n");
    return kExitRestoreIncomplete;
  }
  // Empty only when OpenSSL cannot hash, as the daemon's schedule records it.
  auto digest = Sha256Hex(options.drill_source);
  std::string sha = digest.ok() ? *digest : "";
  DrillRecord record{drill.id,           drill.title, drill.service,      drill.owner,
                     options.drill_file, sha,         drill.window.start, drill.window.end,
                     drill.window.zone,  {}};
  DrillTable(*db).UpsertDrill(record).ok();
  // A briefing recorded with `firedrill brief` counts for a drill run by hand too.
  RunOptions with_briefing = options;
  if (!with_briefing.briefing) {
    Database* records = &*db;
    std::string id = drill.id;
    with_briefing.briefing = [records, id]() -> std::optional<std::pair<std::string, SysTime>> {
      auto b = LatestBriefing(*records, id, SysTime{});
      return b ? *b : std::nullopt;
    };
  }
  // The run's records are written off its loop, in order, by one writer (store/record_writer).
  auto writer = RecordWriter::Open(options.state_dir);
  if (!writer.ok()) {
    fmt::print(err, "firedrill run: {}\n", writer.error().ToString());
    return kExitStateError;
  }
  int status = RunEngine(drill, with_briefing, *db, **writer, out, err);
  writer->reset();  // everything written before the checkpoint signs it
  // A signed checkpoint after every run: truncating the records afterwards shows. Published to
  // the operator's witnesses, rewriting them with the key shows too.
  if (auto cp = WriteCheckpoint(*db, options.state_dir); !cp.ok()) {
    fmt::print(err, "firedrill run: the records could not be checkpointed: {}\n",
               cp.error().message);
  } else if (Publication published = PublishToWitnesses(*cp, options.state_dir);
             published.list || published.problem) {
    for (const std::string& line : published.Describe(*cp)) {
      fmt::print(published.ok() ? out : err, "firedrill run: {}\n", line);
    }
  }
  return status;
}

}  // namespace firedrill
