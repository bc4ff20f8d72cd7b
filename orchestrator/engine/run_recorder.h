// Writes what happens in a run to the event log and shows it to the person (or script) watching.
#pragma once

#include <boost/json/object.hpp>
#include <iosfwd>
#include <string>

#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// The actor of events the orchestrator causes itself.
inline constexpr char kOrchestratorActor[] = "orchestrator";

/// Records a run's events. Used on the loop thread only; holds references that must outlive it.
class RunRecorder {
 public:
  RunRecorder(Database& db, const RunState& run, const RunOptions& options, std::ostream& out,
              std::ostream& err)
      : db_(db), run_(run), opt_(options), out_(out), err_(err) {}

  /// Appends event `kind` (payload gets `"run"`: the run id) durably, stamped with the run's
  /// clock now, then prints `text` with that time in the drill's zone, or with --json one JSON
  /// line {ts, event, drill, payload}. A record that cannot be written is reported on the error
  /// stream and does not stop the run.
  void Record(const std::string& kind, boost::json::object payload, const std::string& text,
              const std::string& actor = kOrchestratorActor);

  /// As Record, for a fact that happened at `at` (a time read from the run's clock earlier, such
  /// as the moment an inject returned): the event carries that time.
  void RecordAt(SysTime at, const std::string& kind, boost::json::object payload,
                const std::string& text, const std::string& actor = kOrchestratorActor);

  /// Prints `text` as a progress line (time-stamped) without recording it; nothing with --json.
  void Say(const std::string& text);

  /// The error stream, for warnings that are not events.
  std::ostream& err() { return err_; }
  /// The output stream.
  std::ostream& out() { return out_; }
  /// The run's records (loop thread only).
  Database& db() { return db_; }

 private:
  Database& db_;
  const RunState& run_;
  const RunOptions& opt_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace firedrill
