// A real OpenSSH server on a loopback port for tests: its own host key, one authorized client
// key, a known_hosts file that trusts it. Started per test, stopped at scope exit.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace firedrill::testing {

/// An sshd (Debian's openssh-server) listening on 127.0.0.1 on a free port, as the current user
/// (root in CI: PermitRootLogin prohibit-password, UsePAM no). Keys are ed25519 made with
/// ssh-keygen in `dir`.
class TestSshd {
 public:
  /// Returns why a test sshd cannot run here ("sshd not installed", "not root"), or nullopt.
  /// Tests print it and skip: never silently.
  static std::optional<std::string> Unavailable();

  /// Generates keys in `dir` and starts sshd; fails the test (REQUIRE) if it does not accept
  /// connections within 10 s. `dir` must outlive the server.
  explicit TestSshd(const std::filesystem::path& dir);
  /// Stops sshd (SIGTERM, then SIGKILL) and reaps it.
  ~TestSshd();
  TestSshd(const TestSshd&) = delete;
  TestSshd& operator=(const TestSshd&) = delete;

  /// Stops the server and ends every connection it holds, as if the host went down. The port,
  /// keys and files stay; Start() brings the same server back.
  void Stop();
  /// Starts the server again after Stop(); fails the test if it does not accept connections
  /// within 10 s.
  void Start();

  int port() const { return port_; }
  /// The current user's name.
  const std::string& user() const { return user_; }
  /// The authorized client key (private part).
  const std::filesystem::path& identity() const { return identity_; }
  /// A known_hosts file holding this server's host key for [127.0.0.1]:port.
  const std::filesystem::path& known_hosts() const { return known_hosts_; }
  /// The drill-file table of an SSH target named `name` that reaches this server with the
  /// authorized key and the trusting known_hosts: "[targets.NAME]\nhost = ...\n".
  std::string TargetToml(const std::string& name) const;
  /// A second client key that the server does not accept.
  const std::filesystem::path& stranger_identity() const { return stranger_; }
  /// A known_hosts file holding a *different* key for [127.0.0.1]:port (a "changed" host key).
  const std::filesystem::path& wrong_known_hosts() const { return wrong_known_hosts_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path identity_;
  std::filesystem::path stranger_;
  std::filesystem::path known_hosts_;
  std::filesystem::path wrong_known_hosts_;
  std::filesystem::path config_;
  std::string user_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace firedrill::testing
