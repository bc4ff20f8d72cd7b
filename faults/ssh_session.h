// One SSH connection to one host, driven by non-blocking libssh on a Boost.Asio event loop:
// resolve, connect, verify the host key strictly, authenticate with a key, run commands.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"

namespace firedrill {

/// Where and as whom to connect.
struct SshEndpoint {
  std::string host;  ///< name or IP; a name is resolved asynchronously first
  int port = 22;
  std::string user;         ///< empty: the local user name
  std::string identity;     ///< private key file; empty: use the SSH agent
  std::string known_hosts;  ///< the known_hosts file checked strictly; required
  /// Opt-in trust on first use: a host missing from `known_hosts` is recorded there (and the
  /// session reports it) instead of refused. A changed key is refused regardless.
  bool accept_new_host_key = false;
  /// Connect, key exchange and authentication together must finish within this.
  Duration connect_timeout = std::chrono::seconds(10);
};

/// What the session learned while connecting, for the record.
struct SshConnectInfo {
  std::string fingerprint;         ///< "SHA256:..." of the server's host key
  bool host_key_recorded = false;  ///< true iff this connect added it to known_hosts
};

/// One SSH session. Every member function must be called on the thread running `io` (the
/// transport thread); libssh is not thread-safe per session. Commands on one session run one at
/// a time (a second Exec waits for the first), each on its own channel; sessions to different
/// hosts run in parallel on the same loop. Connects lazily on the first Exec and reconnects
/// after a broken connection.
class SshSession : public std::enable_shared_from_this<SshSession> {
 public:
  /// Creates an unconnected session. `io` must outlive it.
  static std::shared_ptr<SshSession> Create(boost::asio::io_context& io, SshEndpoint endpoint);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  /// Runs `command` with the remote user's shell, stdin closed, capturing stdout and stderr (up
  /// to kMaxCapturedOutput each). The command runs in a process group of its own (setsid); on
  /// timeout that whole group gets SIGTERM, then SIGKILL after 1 s, through a second channel, and
  /// the result says timed_out. Returns an Error when the host cannot be reached, its key is
  /// unknown or changed (the error names the fingerprint), authentication fails, or the
  /// connection breaks mid-command; never throws.
  boost::asio::awaitable<Expected<CommandResult>> Exec(std::string command, Duration timeout);

  /// Connects now if not connected (resolution, TCP, key exchange, host key check, auth).
  boost::asio::awaitable<Status> Connect();

  /// What the last successful connect learned; empty before one.
  const std::optional<SshConnectInfo>& connect_info() const { return info_; }

  /// "user@host:port".
  std::string Describe() const;

 private:
  struct Impl;
  SshSession(boost::asio::io_context& io, SshEndpoint endpoint);

  boost::asio::awaitable<void> Lock();
  void Unlock();

  std::unique_ptr<Impl> impl_;
  std::optional<SshConnectInfo> info_;
};

}  // namespace firedrill
