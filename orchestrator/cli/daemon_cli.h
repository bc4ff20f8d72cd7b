// What the scheduling commands share to reach the daemon: who acts, which daemon serves the state
// directory (or FIREDRILL_API names), and how its answers become output and exit codes.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "drills/duration.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/report/json_text.h"

namespace firedrill::daemon_cli {

/// How long a command waits for the daemon's answer.
inline constexpr Duration kTimeout = std::chrono::seconds(30);

/// `--by` if given, else $USER, else "unknown".
std::string Actor(const std::optional<std::string>& by);

/// Whether FIREDRILL_API names the daemon to act through.
bool ApiNamed();

/// A daemon named by FIREDRILL_API is the only place the command may act: a refused FIREDRILL_API
/// must never fall back, silently, to a state directory on the caller's machine. Returns kExitOk,
/// or prints why (prefixed `firedrill COMMAND:`) and returns kExitStateError.
int CheckNamedApi(const Invocation& inv, const char* command);

/// The daemon serving `dir` (or named by FIREDRILL_API), if one does.
std::optional<ControlEndpoint> ServingDaemon(const std::filesystem::path& dir);

/// The "error" of a daemon's JSON answer, else "the daemon answered HTTP N".
std::string ErrorOf(const ControlResponse& r);

/// The exit status for a refusal with HTTP status `http`: 404 → not found, 400 → invalid drill,
/// anything else → failure.
int ExitOf(int http);

/// Prints a schedule/cancel outcome (the daemon's JSON or ours): JSON with --json, else a line
/// with the window and the invite, and its warnings on the error stream.
void PrintOutcome(const Invocation& inv, const char* verb, const boost::json::object& o);

/// Sends `body` to the daemon and prints the outcome (PrintOutcome, `verb` or "rescheduled");
/// returns the exit status.
int ViaDaemon(const Invocation& inv, const char* command, const ControlEndpoint& e,
              const std::string& method, const std::string& path, const boost::json::object& body,
              const char* verb);

}  // namespace firedrill::daemon_cli
