// Writes what happens in a run to the event log and shows it to the person (or script) watching.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <cassert>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/record_writer.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {

class LiveDisplay;

/// The actor of events the orchestrator causes itself.
inline constexpr char kOrchestratorActor[] = "orchestrator";

/// Records a run's events through the state directory's RecordWriter (in order, off the loop)
/// and shows each one at once. Used on the loop thread only; holds references that must outlive
/// it. Reads of what was recorded (the run's facts at its close) come after Flush().
class RunRecorder {
 public:
  RunRecorder(Database& db, RecordWriter& writer, boost::asio::any_io_executor executor,
              const RunState& run, const RunOptions& options, std::ostream& out, std::ostream& err);

  /// Hands event `kind` with its typed payload (event_payloads.h; its `run` is set to the run's
  /// id), stamped with the run's clock now, to the writer, then shows it: `text` with that time
  /// in the drill's zone (through the live block on a terminal), or with --json one JSON line
  /// {ts, event, drill, payload}; and passes it to RunOptions::on_event. `kind` must be one of
  /// P::kKinds (asserted). A record the writer could not write is reported on the error stream
  /// (at the next record or Flush) and does not stop the run.
  template <EventPayloadStruct P>
  void Record(EventKind kind, const P& payload, const std::string& text,
              const std::string& actor = kOrchestratorActor) {
    RecordAt(run_.clock.UtcNow(), kind, payload, text, actor);
  }
  /// As Record, for a fact that happened at `at` (a time read from the run's clock earlier, such
  /// as the moment an inject returned): the event carries that time.
  template <EventPayloadStruct P>
  void RecordAt(SysTime at, EventKind kind, const P& payload, const std::string& text,
                const std::string& actor = kOrchestratorActor) {
    assert(Carries<P>(kind) && "this payload struct is not the one of this event kind");
    P p = payload;
    p.run = run_.run_id;
    Emit(at, kind, EventPayload(std::move(p)), text, actor);
  }

  /// Prints `text` as a progress line (time-stamped) without recording it; nothing with --json.
  void Say(const std::string& text);

  /// Completes once everything handed to the writer so far is on disk (then readable on `db()`),
  /// and reports what could not be written.
  boost::asio::awaitable<void> Flush();

  /// Runs `job` on the writer after everything handed to it before, and returns its result:
  /// for ledger writes that must be on disk before the run goes on. Pass a named job
  /// (`co_await Write(std::move(job))`): GCC 12 mishandles a lambda temporary with captures
  /// inside a co_await expression (it destroys its captures twice).
  template <typename R>
  boost::asio::awaitable<R> Write(std::function<R(Database&)>&& job) {
    return writer_.Call<R>(std::move(job), executor_, boost::asio::use_awaitable);
  }
  /// Queues `job` on the writer, in order, without waiting for it.
  void Post(std::function<void(Database&)> job) { writer_.Post(std::move(job)); }

  /// Shows every event and progress line through `live` (the live block on a terminal) instead
  /// of printing it; null prints. `live` must outlive the recorder or be reset first.
  void ShowOn(LiveDisplay* live) { live_ = live; }

  /// Writes `text` (a warning that is not an event, ending in a newline) to the error stream;
  /// on a terminal with the live block, above the block rather than inside it.
  void Warn(const std::string& text);

  /// The error stream, for warnings that are not events (through Warn while the run shows).
  std::ostream& err() { return err_; }
  /// The output stream.
  std::ostream& out() { return out_; }
  /// The run's records, for reads (loop thread only).
  Database& db() { return db_; }

 private:
  // Writes, shows and passes on one event (Record's contract).
  void Emit(SysTime at, EventKind kind, EventPayload payload, const std::string& text,
            const std::string& actor);

  // What the writer could not write, collected on its thread, reported on the loop.
  struct Failures {
    std::mutex mutex;
    std::vector<std::string> messages;
  };
  void ReportFailures();

  Database& db_;
  RecordWriter& writer_;
  boost::asio::any_io_executor executor_;
  const RunState& run_;
  const RunOptions& opt_;
  std::ostream& out_;
  std::ostream& err_;
  LiveDisplay* live_ = nullptr;
  std::shared_ptr<Failures> failures_ = std::make_shared<Failures>();
};

}  // namespace firedrill
