// Runs one DrillEngine in-process on a simulated clock against a fake world: fake faults whose
// state the test reads and scripts, fake probes, fake runners. A whole drill, from the window
// wait to the restore, runs in milliseconds and deterministically; its records go to a real
// state directory, read back as the postmortem and the audit would.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/engine/drill_engine.h"
#include "orchestrator/engine/engine_env.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/record_writer.h"
#include "tests/support/fake_run_clock.h"
#include "tests/support/temp_dir.h"

namespace firedrill::testing {

/// The window every harness drill opens: 2027-03-01T10:00:00Z to 11:00:00Z, zone UTC, grace 10m.
SysTime HarnessWindowStart();

/// A drill file for the harness: id "sim", one local target "here", one command fault "f1"
/// (the fake world decides what it does), and `extra` TOML appended (more faults, probes,
/// guards, objectives...). `window_extra` is added inside [window] (grace is 10m unless it sets
/// one).
std::string HarnessDrill(const std::string& extra = "", const std::string& window_extra = "");

/// The fake world a harness engine acts on. Read and change it between runs of the loop (from
/// actions scheduled with EngineHarness::At, or before Run).
struct FakeWorld {
  struct FaultState {
    bool in_place = false;
    int prepares = 0;
    int injects = 0;
    int checks = 0;
    int restores = 0;
    /// Inject fails (an Error) instead of applying the fault.
    bool inject_fails = false;
    /// This many restores fail (an Error) before one succeeds; -1: every restore fails.
    int failing_restores = 0;
    /// Called inside Inject, Check, Restore (they may throw to model a bug in a fault kind).
    std::function<void()> on_inject;
    std::function<void()> on_check;
    std::function<void()> on_restore;
  };
  std::map<std::string, FaultState> faults;  ///< by fault id
  /// A probe's verdict now, by probe name; a probe without one is red while any fault is in
  /// place and green otherwise. May throw (a bug in a probe).
  std::map<std::string, std::function<ProbeOutcome()>> probes;
  std::map<std::string, int> probe_checks;  ///< checks made, by probe name

  /// True iff any fault is in place.
  bool AnyInPlace() const;
};

/// One drill run in simulated time.
class EngineHarness {
 public:
  /// Loads `toml` (the test fails on a problem in it) and prepares a run of it whose simulated
  /// clock starts at UTC `clock_start` (default: 1 minute before the window opens).
  explicit EngineHarness(const std::string& toml,
                         std::optional<SysTime> clock_start = std::nullopt);
  ~EngineHarness();

  /// Runs `action` when the simulated clock reaches UTC `at` (during Run).
  void At(SysTime at, std::function<void()> action);
  /// Runs the drill from Start to its end in simulated time; returns its exit status (-1 if it
  /// did not end within `limit` of simulated time, or nothing was left to wake it). Then checks
  /// that every event recorded reads back as its typed payload, member for member.
  int Run(Duration limit = std::chrono::hours(48));

  /// Checks (Catch CHECKs) that every recorded event has a known kind whose payload struct
  /// reads it without a problem and writes back the same members and values.
  void CheckRecordedEventsDecode();

  /// The engine (valid after construction).
  DrillEngine& engine() { return *engine_; }
  /// Events of the drill, in record order (every run of it).
  std::vector<Event> Events();
  /// Their kinds.
  std::vector<std::string> Kinds();
  /// The first event of `kind`, if any.
  std::optional<Event> First(const std::string& kind);
  /// What the run printed.
  std::string Output() const { return out_.str() + err_.str(); }
  /// The state's database, with everything the run handed to its writer written.
  Database& db() {
    writer_->Drain();
    return *db_;
  }
  const std::filesystem::path& state_dir() const { return state_; }
  const Drill& drill() const { return *drill_; }

  FakeWorld world;
  FakeRunClock clock;
  RunOptions options;

 private:
  TempDir tmp_;
  std::filesystem::path state_;
  std::string toml_;
  std::unique_ptr<Drill> drill_;
  std::optional<Database> db_;
  std::unique_ptr<RecordWriter> writer_;
  boost::asio::io_context io_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::unique_ptr<DrillEngine> engine_;
  std::vector<std::unique_ptr<RunTimer>> action_timers_;
};

}  // namespace firedrill::testing
