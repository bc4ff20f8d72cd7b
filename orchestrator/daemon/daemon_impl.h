// The daemon's inside, shared by its two halves and by nothing else: daemon.cpp, the scheduler
// (start-up, launching each drill at its window, its end, recurring windows, blackouts,
// signals, shutdown), and daemon_ops.cpp, what the API asks of it (DaemonOps: listings,
// schedules, briefings, blackouts, freezes, acks and aborts forwarded to runs, alerts, metrics).
#pragma once

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <map>
#include <ostream>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/run_on.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/daemon/alert_book.h"
#include "orchestrator/daemon/chain_watch.h"
#include "orchestrator/daemon/console_site.h"
#include "orchestrator/daemon/daemon.h"
#include "orchestrator/daemon/daemon_metrics.h"
#include "orchestrator/daemon/freezer.h"
#include "orchestrator/daemon/live_board.h"
#include "orchestrator/daemon/prefixed_lines.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/engine/drill_engine.h"
#include "orchestrator/engine/interrupted_runs.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/engine/run_state.h"
#include "orchestrator/engine/termination_signals.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/fault_ledger.h"
#include "orchestrator/store/record_writer.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/token_table.h"
#include "orchestrator/store/transaction.h"
#include "orchestrator/store/typed_event.h"
#include "orchestrator/store/witness_publish.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace daemon_internal {
/// A drill is started this long before its window opens: its run is recorded and waiting when
/// the window opens, and preflight runs at the injection time as always.
inline constexpr Duration kLaunchLead = std::chrono::seconds(30);
/// The reminder goes out this long before the window.
inline constexpr Duration kReminderLead = std::chrono::hours(24);

/// The answer `status` with the JSON `body`.
inline ControlResponse Answer(int status, boost::json::object body) {
  return ControlResponse{status, boost::json::serialize(body)};
}

/// The refusal `status` with {"error": message}.
inline ControlResponse Refusal(int status, const std::string& message) {
  return Answer(status, boost::json::object{{"error", message}});
}

}  // namespace daemon_internal

/// The daemon itself (daemon.h): its state, the scheduler (daemon.cpp) and DaemonOps
/// (daemon_ops.cpp). Everything runs on io_, one thread; see daemon.h for the threading rules.
class Daemon::Impl : public DaemonOps {
 public:
  Impl(DaemonOptions options, std::ostream& out, std::ostream& err)
      : opt_(std::move(options)),
        out_(out),
        err_(err),
        api_(*this, opt_.secrets),
        tick_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  int Run();

  // DaemonOps.
  ControlResponse List() override;
  ControlResponse DrillStatus(const std::string& id) override;
  ControlResponse Schedule(const std::string& file, const std::string& source,
                           const std::string& by, const std::string& lead_override) override;
  ControlResponse Cancel(const std::string& id, const std::string& reason,
                         const std::string& by) override;
  ControlResponse Brief(const std::string& id, const std::string& by,
                        const std::string& note) override;
  ControlResponse AddBlackout(const std::string& name, SysTime start, SysTime end,
                              const std::string& by) override;
  ControlResponse Blackouts() override;
  ControlResponse FreezeState() override;
  ControlResponse Freeze(const std::string& reason, const std::string& by) override;
  ControlResponse Unfreeze(const std::string& reason, const std::string& by) override;
  ControlResponse ToRun(const std::string& id, const ControlRequest& request) override;
  void Alerts(const std::string& source, const std::vector<Alert>& alerts) override;
  void CountWebhook(const std::string& source, const std::string& result) override;
  std::string Metrics() override;
  std::optional<std::string> TokenRole(std::string_view token) override;

 private:
  // One drill running.
  struct Running {
    Drill drill;
    RunOptions options;
    std::unique_ptr<PrefixedLines> out_buf;
    std::unique_ptr<std::ostream> out;
    std::unique_ptr<DrillEngine> engine;
    std::unique_ptr<boost::asio::steady_timer> blackout_timer;
    std::unique_ptr<boost::asio::steady_timer> window_timer;
  };

  // The drills whose faults may be in place: an alert matching their detection is theirs.
  std::vector<const Drill*> InPlay() const;

  // A freeze began (or holds on): every running drill is aborted, each restoring everything.
  std::size_t StandDown(const std::string& reason);

  // Tells the channels of a schedule's latest change (scheduled, rescheduled, cancelled) unless
  // that was done, and remembers it.
  void Announce(ScheduleRecord& r, const std::string& detail = "");

  // Changes made while no daemon ran (firedrill schedule / cancel on the state directory).
  void AnnouncePending();

  // The T-24h reminders that are due; a drill that wants none is marked so that it never
  // wakes the daemon again.
  void Remind(SysTime now);
  void Say(const std::string& text);
  std::string NextText() const;

  // Restores what a previous daemon (or run) left in place and closes the runs that died with
  // it, saying what it did.
  bool RestoreLeftovers();
  int LoadSchedules();

  // Moves `r` to its next window after the current one, or marks it done, and stores it.
  void Advance(ScheduleRecord& r);
  SysTime LaunchAt(const ScheduleRecord& r) const;

  // Sleeps until the next thing to do (bounded by max_sleep); no polling in between.
  void Arm();
  void Tick();
  void Launch(const std::string& id);

  // Tells the channels when the window opens (not when or what is injected). A drill launched
  // late (the daemon was down or busy at the start) is told of at once: its faults are about to
  // be introduced, and the responders must hear of it before they are.
  void WatchWindowStart(Running& run);

  // A blackout beginning while the drill runs halts it: abort, which restores first. Called
  // again when a blackout is declared; one already begun halts the drill at once.
  void WatchBlackouts(Running& run);
  void NotRun(ScheduleRecord& rec, EventKind kind, const std::string& why,
              std::optional<std::string> blackout = std::nullopt);
  void Finished(const std::string& id, int exit);
  static std::string EndDetail(int exit, const RunState& state);
  static std::string ExitName(int exit);
  void WatchSignals();

  // Publishes a checkpoint to the operator's witnesses on a thread of its own (an HTTP witness
  // may take its whole timeout) and reports on the loop. The work guard keeps the loop, and so
  // the daemon, running until the witnesses have it, also when it is stopping.
  void Publish(const Checkpoint& cp);
  void Shutdown();
  DaemonOptions opt_;
  std::ostream& out_;
  std::ostream& err_;
  boost::asio::io_context io_;
  std::optional<Database> db_;
  std::unique_ptr<RecordWriter> writer_;  // the records of every run, off the loop
  DaemonApi api_;
  LiveBoard board_;  // the live views of the runs, and the console pages that follow them
  std::optional<ChainWatch> chain_;  // the records' verification, for the console
  std::optional<ConsoleSite> console_;
  // The API under /v1 and /metrics, the console under /console.
  struct Front : ControlHandler {
    explicit Front(Impl& i) : impl(i) {}
    ControlResponse Handle(const ControlRequest& request) override {
      if (request.path.starts_with(kConsolePrefix)) return impl.console_->Handle(request);
      return impl.api_.Handle(request);
    }
    Impl& impl;
  } front_{*this};
  std::vector<ControlRoute> routes_;
  std::optional<ControlServer> server_;
  std::optional<Notifier> notifier_;
  std::optional<Freezer> freezer_;  // after notifier_, which it uses
  boost::asio::steady_timer tick_;
  boost::asio::signal_set signals_;
  AlertBook alerts_;
  std::map<std::string, ScheduleRecord> schedules_;  // state scheduled, by drill id
  std::vector<Blackout> blackouts_;  // declared for every drill (firedrill blackout add)
  std::map<std::string, std::unique_ptr<Running>> running_;
  std::map<std::string, ServiceTimes> last_by_service_;
  std::uint64_t restore_failures_ = 0;
  bool stopping_ = false;
  bool leftovers_restored_ = false;  // the ledger held nothing of a crash (or it was restored)
  int exit_ = kExitOk;
  // Witness publication: after io_ so that it is joined (in its destructor) while io_ exists.
  boost::asio::thread_pool witness_pool_{1};
};

}  // namespace firedrill
