// Runs a fault's shell commands on a remote target over SSH: the same CommandRunner contract
// as the local runner, so every fault kind works remotely unchanged.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "faults/command_runner.h"
#include "faults/ssh_session.h"
#include "faults/ssh_transport.h"

namespace firedrill {

/// A CommandRunner for one SSH target. Run blocks its calling thread (a worker, never an event
/// loop thread) while the command runs on the shared SSH transport; one session per runner is
/// reused for all its commands. Safe to call from several threads: commands queue per session.
class SshRunner : public CommandRunner {
 public:
  explicit SshRunner(SshEndpoint endpoint);
  /// Closes the session (on the transport thread).
  ~SshRunner() override;

  /// Runs `command` on the host (see SshSession::Exec: own process group, killed on timeout).
  /// Returns an Error when the host cannot be reached or authenticated, or the connection breaks.
  Expected<CommandResult> Run(const std::string& command, Duration timeout) override;

  /// Connects now (resolution, host key, authentication) without running anything, so that a
  /// preflight can tell an unreachable or untrusted host from a failing command.
  Status Connect();

  /// What the connect learned (host key fingerprint, whether it was recorded on first use);
  /// empty before a successful connect.
  std::optional<SshConnectInfo> ConnectInfo();

  /// Returns "user@host:port".
  std::string Describe() const override;

 private:
  std::shared_ptr<SshTransport> transport_;
  std::shared_ptr<SshSession> session_;
  std::string where_;
};

}  // namespace firedrill
