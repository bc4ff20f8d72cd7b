// `firedrill serve`: the daemon that runs every scheduled drill of a state directory when its
// window opens, several at once, and serves the API (daemon_api.h) for schedules, acks, alert
// webhooks and metrics.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include "orchestrator/control/control_server.h"
#include "orchestrator/daemon/daemon_api.h"
#include "orchestrator/daemon/freeze_rule.h"
#include "orchestrator/daemon/notifier.h"

namespace firedrill {

/// How to serve.
struct DaemonOptions {
  std::filesystem::path state_dir;
  /// Where the API listens: a loopback address, or any other with `tls` (ControlServer::Start).
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: an ephemeral port (published in control.json)
  /// Set: the API speaks HTTPS only, with this context (MakeServerTlsContext) built from
  /// `tls_cert_file`, which control.json names so that local commands trust it.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string tls_cert_file;
  /// Bodies up to 2 MiB: a drill file (up to 1 MiB) in a schedule request, a large alert group.
  ControlLimits limits{64, 8 * 1024, 2 * 1024 * 1024, std::chrono::milliseconds(10'000)};
  WebhookSecrets secrets;
  NoticeTargets notices;  ///< where chat notices go (none: no notices)
  /// The "real incident" rule: an alert it matches that matches no drill in play stands every
  /// drill down (freezer.h). No labels: only freezes by hand.
  IncidentRule incident;
  /// The longest single sleep of the scheduler: a bound on how late a window can be noticed if
  /// the wall clock jumps (the timers run on the monotonic clock).
  std::chrono::milliseconds max_sleep = std::chrono::minutes(10);
};

/// The daemon. Run() blocks until SIGINT or SIGTERM (then every running drill is aborted and
/// restored before it returns) and returns an ExitStatus value.
class Daemon {
 public:
  Daemon(DaemonOptions options, std::ostream& out, std::ostream& err);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// Restores whatever the fault ledger says is still in place, settles schedules a crash left
  /// "running", loads the schedules, serves the API and runs drills until stopped. Fails (exit
  /// 4) when the state directory cannot be used or the API cannot listen.
  int Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace firedrill
