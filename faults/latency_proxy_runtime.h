// The runtime of network.latency-proxy: `firedrill proxy` started detached on the target between
// the clients and an upstream, stopped on restore.
#pragma once

#include <memory>
#include <string>

#include "drills/expected.h"
#include "faults/fault.h"

namespace firedrill {

/// Sets the program network.latency-proxy runs on the target as `PROGRAM proxy ...`: an absolute
/// path to a firedrill executable. Empty (the default) means the running program itself
/// (/proc/self/exe), which is right inside the firedrill command; a test binary is not firedrill
/// and sets it (the fault tests take it from $FIREDRILL_BIN). Safe to call from any thread; a
/// fault prepared afterwards uses the new value.
void SetProxyExecutable(std::string path);

/// Returns the program set by SetProxyExecutable, else the running program's path; an Error if
/// /proc/self/exe cannot be read.
Expected<std::string> ProxyExecutable();

/// Returns the runtime of network.latency-proxy. Everything runs through the target's shell and
/// needs no root (unless `listen` is a port below 1024).
///
/// - Prepare: checks that the proxy program is executable on the target and runs it with
///   `proxy --check`: refuses if `listen` cannot be bound (naming the process that holds the port
///   when `ss -ltnp` can tell) or `upstream` does not accept a TCP connection. Picks a pid file
///   and a log file in the target's temp dir ($TMPDIR, else /tmp) named after the drill, the
///   fault and a fresh token, and a seed for the proxy's random choices. State: {"program",
///   "listen", "upstream", "args", "pid_file", "log_file"}.
/// - Inject: starts `PROGRAM proxy ARGS --pid-file FILE` detached (setsid, output to the log
///   file) and waits until that process listens on the port; on failure it says what the log
///   says.
/// - Check: true iff the process in the pid file is alive, is this fault's proxy (its command
///   line holds this pid file's path, so a reused pid never counts) and listens on the port.
/// - Restore: SIGTERM to that process, SIGKILL if it is still there after 2 s (each signal sent
///   only after checking again that the pid still has the start time seen), then removes the
///   pid file. Succeeds at once when no such process runs, so it is idempotent.
/// - ManualRestore: the kill command for the pid in the pid file.
std::unique_ptr<Fault> MakeLatencyProxyFault();

}  // namespace firedrill
