// The SSH endpoint of a test sshd, and the skip every SSH test starts with.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>

#include "faults/ssh_session.h"
#include "tests/support/test_sshd.h"

namespace firedrill::testing {

/// Skips the test (with a printed reason) when no real sshd can run here.
#define SKIP_WITHOUT_SSHD()                                   \
  if (auto why = TestSshd::Unavailable()) {                   \
    WARN("skipped: needs a real sshd on loopback: " << *why); \
    return;                                                   \
  }

/// Returns the endpoint that reaches `sshd` as its authorized user, with its known_hosts.
inline SshEndpoint EndpointOf(const TestSshd& sshd) {
  SshEndpoint ep;
  ep.host = "127.0.0.1";
  ep.port = sshd.port();
  ep.user = sshd.user();
  ep.identity = sshd.identity().string();
  ep.known_hosts = sshd.known_hosts().string();
  ep.connect_timeout = std::chrono::seconds(10);
  return ep;
}

}  // namespace firedrill::testing
