// The console in a browser, served by `firedrill serve` under /console: sign-in with an API
// token (a session cookie), the pages (calendar, drill, record, services, audit), their live
// updates (server-sent events) and the forms that act (ack, abort). Every page is rendered by
// orchestrator/console; this is the adapter between HTTP and the daemon. Loop thread only.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/console/console_layout.h"
#include "orchestrator/control/control_handler.h"
#include "orchestrator/daemon/chain_watch.h"
#include "orchestrator/daemon/console_sessions.h"
#include "orchestrator/daemon/live_board.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// The console's routes (served without a bearer token: the console checks its own session).
///
///   GET  /console                         → the calendar (or the sign-in page)
///   GET  /console/sign-in                 the sign-in form
///   POST /console/sign-in                 token, name → a session cookie
///   POST /console/sign-out                csrf → the cookie removed
///   GET  /console/static/{file}           console.css, console.js (compiled into the binary)
///   GET  /console/calendar                ?view=week|month&day=YYYY-MM-DD&zone=Area/City
///   GET  /console/drills/{id}             the live page of a running drill, else its schedule
///   GET  /console/drills/{id}/events      server-sent events: the live section after each event
///   GET  /console/drills/{id}/invite.ics  the latest calendar invite
///   POST /console/drills/{id}/ack         responder: what=detected|recovered, note, csrf
///   POST /console/drills/{id}/abort       lead: reason, confirm=yes, csrf
///   GET  /console/runs/{run}              a run's record: timeline, events, verification
///   GET  /console/runs/{run}/postmortem.md, /console/runs/{run}/events.json   downloads
///   GET  /console/services                TTD/TTR per service and quarter, undrilled services
///   GET  /console/audit                   ?from=&to=&service=; and audit.csv, audit.json, audit.md
inline constexpr ControlRoute kConsoleRoutes[] = {
    {"GET", "/console"},
    {"GET", "/console/sign-in"},
    {"POST", "/console/sign-in"},
    {"POST", "/console/sign-out"},
    {"GET", "/console/static/{file}"},
    {"GET", "/console/calendar"},
    {"GET", "/console/drills/{id}"},
    {"GET", "/console/drills/{id}/events"},
    {"GET", "/console/drills/{id}/invite.ics"},
    {"POST", "/console/drills/{id}/ack"},
    {"POST", "/console/drills/{id}/abort"},
    {"GET", "/console/runs/{run}"},
    {"GET", "/console/runs/{run}/postmortem.md"},
    {"GET", "/console/runs/{run}/events.json"},
    {"GET", "/console/services"},
    {"GET", "/console/audit"},
    {"GET", "/console/audit.csv"},
    {"GET", "/console/audit.json"},
    {"GET", "/console/audit.md"},
};

/// The path prefix of the console's routes.
inline constexpr char kConsolePrefix[] = "/console";

/// What the console needs of the daemon.
struct ConsoleContext {
  Database* db = nullptr;  ///< the loop's connection, for reads
  std::filesystem::path state_dir;
  LiveBoard* board = nullptr;
  /// The daemon's background check of the event chain: what the record and audit pages say of
  /// the records' verification (asked again when the last check is over a minute old).
  ChainWatch* chain = nullptr;
  /// Returns the role of a token pasted at sign-in (an API token, or the state directory's own,
  /// which is the lead's), or nullopt for anything else. Asked again on every request, so that
  /// a revoked token ends its sessions.
  std::function<std::optional<Role>(std::string_view token)> token_role;
  /// Forwards an ack or abort (a JSON request of the control API) to the running drill `id`.
  std::function<ControlResponse(const std::string& id, const ControlRequest& request)> to_run;
  std::function<SysTime()> now;
  bool tls = false;  ///< the daemon speaks HTTPS: cookies are Secure
};

/// Answers the console's routes (kConsoleRoutes); every answer carries the console's
/// Content-Security-Policy (no inline script or style, nothing from elsewhere) and refuses to be
/// framed. A request without a valid session is sent to the sign-in page (a GET) or refused
/// (403, a POST); a POST from another origin or without the session's CSRF token is refused
/// (403) before anything is done, and so is one whose role is not enough.
class ConsoleSite : public ControlHandler {
 public:
  explicit ConsoleSite(ConsoleContext context) : ctx_(std::move(context)) {}

  ControlResponse Handle(const ControlRequest& request) override;

  /// The sessions (for tests and metrics).
  const ConsoleSessions& sessions() const { return sessions_; }

 private:
  struct Caller {
    std::string session_id;
    ConsoleViewer viewer;
  };
  std::optional<Caller> SignedIn(const ControlRequest& request);
  ControlResponse SignIn(const ControlRequest& request);
  ControlResponse DrillPage(const Caller& caller, const std::string& id, std::string_view message,
                            int status);
  ControlResponse Act(const Caller& caller, const ControlRequest& request,
                      const std::map<std::string, std::string>& fields);
  ControlResponse Run(const Caller& caller, const ControlRequest& request);
  ControlResponse Services(const Caller& caller);
  ControlResponse Audit(const Caller& caller, const ControlRequest& request);
  ControlResponse Calendar(const Caller& caller, const ControlRequest& request);

  /// The latest verification for a page, asking for a fresh one when it is old.
  const std::optional<ChainStatus>& Verification();

  ConsoleContext ctx_;
  ConsoleSessions sessions_;
  AuditCache audit_;  ///< every run's audit row, brought up to date per page
};

/// The headers every console answer carries: Content-Security-Policy, X-Content-Type-Options,
/// X-Frame-Options, Referrer-Policy.
std::vector<std::pair<std::string, std::string>> ConsoleHeaders();

}  // namespace firedrill
