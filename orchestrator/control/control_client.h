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

/// Where the endpoint listens and how to talk to it: what control.json says, or FIREDRILL_API.
struct ControlEndpoint {
  std::uint16_t port = 0;
  std::string token;
  pid_t pid = 0;                   ///< the serving process; 0 when unknown (FIREDRILL_API)
  std::string host = "127.0.0.1";  ///< address or name to connect to
  bool tls = false;                ///< HTTPS
  /// With `tls`: the PEM file of certificates to trust (empty: the system's), and whether the
  /// certificate must name `host` (not when `ca_file` pins the server's own certificate).
  std::string ca_file;
  bool check_host = true;
};

/// Reads and parses one control.json file. Does not check that the process lives. Fails with an
/// Error naming the file if it cannot be read or does not hold a valid port, token and pid.
Expected<ControlEndpoint> LoadControlFile(const std::filesystem::path& file);

/// Returns true unless `pid` certainly does not exist (kill(pid, 0) fails with ESRCH). A pid
/// reused by an unrelated process counts as alive; nothing cheaper can tell them apart.
bool ProcessAlive(pid_t pid);

/// Reads FIREDRILL_API's value: `127.0.0.1:PORT` (or `localhost`, `[::1]`) for plain HTTP on
/// this host, `https://HOST:PORT` (HOST a name, an IPv4 address or a bracketed IPv6 one) for
/// TLS, trusting `ca_file` (empty: the system's trust store) and checking that the certificate
/// names HOST. Fails with an Error quoting `api` when it is neither, or when it names another host
/// without https (tokens must not cross a network in clear text).
Expected<ControlEndpoint> ParseApiAddress(const std::string& api, const std::string& ca_file);

/// Finds the endpoint of the drill running for `state_dir` (or of the daemon serving it). With
/// FIREDRILL_API (see ParseApiAddress; FIREDRILL_CA_FILE names the certificates to trust) and
/// FIREDRILL_TOKEN set, that endpoint and token are used and the state directory is not read (a
/// responder with their own API token); FIREDRILL_TOKEN alone replaces control.json's token.
/// With TLS, control.json's certificate is the one trusted (pinned). Fails with
/// "no drill is running for state dir X (no control.json)" if there is no control.json, and
/// with "control.json is stale: process PID is gone" if its process has exited. Both mean no
/// drill is running; commands exit 4 for them.
Expected<ControlEndpoint> FindControlEndpoint(const std::filesystem::path& state_dir);

/// Sends one request (`method` such as "GET" or "POST", `path` such as "/v1/drills", `body`
/// JSON text or empty) with the bearer token and returns the response, whatever its status.
/// Fails with an Error if the endpoint cannot be reached, its certificate is not trusted (the
/// reason named), or it does not answer in full within `timeout` (resolve, connect, handshake,
/// write and read together). Runs a private io_context; blocks.
Expected<ControlResponse> SendControl(const ControlEndpoint& endpoint, const std::string& method,
                                      const std::string& path, const std::string& body,
                                      Duration timeout);

/// FindControlEndpoint(state_dir), then SendControl to it.
Expected<ControlResponse> SendControl(const std::filesystem::path& state_dir,
                                      const std::string& method, const std::string& path,
                                      const std::string& body, Duration timeout);

}  // namespace firedrill
