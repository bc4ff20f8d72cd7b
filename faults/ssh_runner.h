// Runs a fault's shell commands on a remote target over SSH: the same CommandRunner contract
// as the local runner, so every fault kind works remotely unchanged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "faults/command_runner.h"
#include "faults/ssh_session.h"
#include "faults/ssh_transport.h"

namespace firedrill {

/// A CommandRunner for one SSH target. Each command runs on the shared SSH transport's event
/// loop and the awaiting coroutine is resumed on its own executor: no thread waits for a
/// command. One session per runner is reused for all its commands; several coroutines may run
/// commands at once (they queue per session).
class SshRunner : public CommandRunner {
 public:
  explicit SshRunner(SshEndpoint endpoint);
  /// Lets go of the session on the transport thread, waiting for that hand-over (a few
  /// microseconds of the transport's queue); never destroy a runner on the transport thread.
  ~SshRunner() override;

  /// Connects now (resolution, host key, authentication) without running anything, so that a
  /// preflight can tell an unreachable or untrusted host from a failing command.
  boost::asio::awaitable<Status> Connect();

  /// What the connect learned (host key fingerprint, whether it was recorded on first use);
  /// empty before a successful connect.
  boost::asio::awaitable<std::optional<SshConnectInfo>> ConnectInfo();

  /// Returns "user@host:port".
  std::string Describe() const override;

 protected:
  /// Runs `command` on the host (see SshSession::Exec: own process group, killed on timeout;
  /// with `hooks.on_started`, behind the gate, whose identity is awaited on the caller's
  /// executor). Returns an Error when the host cannot be reached or authenticated, the
  /// connection breaks, or the gate stayed closed.
  boost::asio::awaitable<Expected<CommandResult>> Execute(std::string command, Duration timeout,
                                                          RunHooks hooks) override;

 private:
  std::shared_ptr<SshTransport> transport_;
  std::shared_ptr<SshSession> session_;
  std::string where_;
};

}  // namespace firedrill
