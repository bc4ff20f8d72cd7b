// The client side of the control endpoint: find a running drill through control.json in the
// state directory and send it one request. Synchronous, for short-lived commands.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "orchestrator/control/control_handler.h"

namespace firedrill {

/// What control.json says: where the endpoint listens (always 127.0.0.1) and who serves it.
struct ControlEndpoint {
  std::uint16_t port = 0;
  std::string token;
  pid_t pid = 0;
};

/// Reads and parses one control.json file. Does not check that the process lives. Fails with an
/// Error naming the file if it cannot be read or does not hold a valid port, token and pid.
Expected<ControlEndpoint> LoadControlFile(const std::filesystem::path& file);

/// Returns true unless `pid` certainly does not exist (kill(pid, 0) fails with ESRCH). A pid
/// reused by an unrelated process counts as alive; nothing cheaper can tell them apart.
bool ProcessAlive(pid_t pid);

/// Finds the endpoint of the drill running for `state_dir` (or of the daemon serving it). With
/// FIREDRILL_API=127.0.0.1:PORT and FIREDRILL_TOKEN set, that endpoint and token are used and
/// the state directory is not read (a responder on the daemon's host with their own API token);
/// FIREDRILL_TOKEN alone replaces control.json's token. Fails with
/// "no drill is running for state dir X (no control.json)" if there is no control.json, and
/// with "control.json is stale: process PID is gone" if its process has exited. Both mean no
/// drill is running; commands exit 4 for them.
Expected<ControlEndpoint> FindControlEndpoint(const std::filesystem::path& state_dir);

/// Sends one request (`method` such as "GET" or "POST", `path` such as "/v1/drills", `body`
/// JSON text or empty) with the bearer token and returns the response, whatever its status.
/// Fails with an Error if the endpoint cannot be reached or does not answer in full within
/// `timeout` (connect, write and read together). Runs a private io_context; blocks.
Expected<ControlResponse> SendControl(const ControlEndpoint& endpoint, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout);

/// FindControlEndpoint(state_dir), then SendControl to it.
Expected<ControlResponse> SendControl(const std::filesystem::path& state_dir,
                                      const std::string& method, const std::string& path,
                                      const std::string& body, Duration timeout);

}  // namespace firedrill
