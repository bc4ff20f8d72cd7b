// One health check of one probe, on the event loop, bounded by the probe's timeout.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "drills/drill.h"
#include "faults/command_runner.h"

namespace firedrill {

/// The outcome of one check.
struct ProbeOutcome {
  bool green = false;
  std::string detail;  ///< "HTTP 200", "connect refused", "exit 1: ...", "timed out after 2s"
};

/// Runs one check of `probe` on the caller's executor: HTTP GET (status, optional body
/// substring), TCP connect, or a command on `runner` (exit 0 = green). Never throws; completes
/// within about the probe's timeout. `runner` may be null for http/tcp probes.
boost::asio::awaitable<ProbeOutcome> CheckProbe(const Probe& probe, CommandRunner* runner);

}  // namespace firedrill
