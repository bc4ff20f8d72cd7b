// One SSH connection to one host, driven by non-blocking libssh on a Boost.Asio event loop:
// resolve, connect, verify the host key strictly, authenticate with a key, run commands.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
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
/// a time (a second Exec waits for the first); sessions to different hosts run in parallel on
/// the same loop. Commands go through one long-lived `/bin/sh` the session starts on the host
/// when it connects (a "command shell": a command then costs the host a fork instead of an sshd
/// session and a login shell); on a host where that shell cannot start, every command gets a
/// channel of its own. Connects lazily on the first Exec and
/// reconnects after a broken connection.
class SshSession : public std::enable_shared_from_this<SshSession> {
 public:
  /// Creates an unconnected session. `io` must outlive it.
  static std::shared_ptr<SshSession> Create(boost::asio::io_context& io, SshEndpoint endpoint);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  /// Called by a gated Exec with the announce line of the gate wrapper (gated_command.h), on the
  /// transport thread; the command is let through iff it returns success.
  using Gate = std::function<boost::asio::awaitable<Status>(std::string announce_line)>;

  /// Runs `command` with `/bin/sh -c` on the host, stdin closed, capturing stdout and stderr (up
  /// to kMaxCapturedOutput each). The command runs in a session and process group of its own
  /// (setsid); through the command shell it is over when its shell exits (a background process
  /// it left is not waited for), on a channel of its own when the channel closes. On timeout that
  /// whole group gets SIGTERM, then SIGKILL after 1 s, through a second channel, and the result
  /// says timed_out. Returns an Error when the host cannot be reached, its key is unknown or
  /// changed (the error names the fingerprint), authentication fails, or the connection breaks
  /// mid-command; never throws.
  ///
  /// With a `gate`, the command starts behind the gate wrapper of gated_command.h instead: its
  /// announce line (the first stderr line, not part of the result) is handed to `gate` while the
  /// command waits; on success "go" is written to its stdin, which then stays open for as long
  /// as the command runs (the wrapper kills its group when it sees EOF there: the connection is
  /// gone; through the command shell, that stdin is a pipe the shell holds open until it ends
  /// with the session), and `timeout` counts from then; on failure stdin is closed and the wrapper
  /// exits kNotStartedExit without running the command (that is the result). Until the announce
  /// line, the wait is bounded by `timeout` too.
  boost::asio::awaitable<Expected<CommandResult>> Exec(std::string command, Duration timeout,
                                                       Gate gate = {});

  /// Connects now if not connected (resolution, TCP, key exchange, host key check, auth) and
  /// starts the command shell, all within the endpoint's connect_timeout.
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
