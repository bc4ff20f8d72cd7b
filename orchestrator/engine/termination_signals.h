// SIGINT and SIGTERM must never kill a process that is putting faults in place or taking them
// out: they are deferred from the first line of main until an event loop watches for them, and
// then delivered there (an abort that restores), never lost.
#pragma once

namespace firedrill {

/// Blocks SIGINT and SIGTERM on the calling thread, and so on every thread it starts later: one
/// that arrives stays pending instead of killing the process. Call it first in main, before any
/// thread exists, for the commands that inject or restore (run, serve, recover, demo).
void DeferTerminationSignals();

/// Unblocks SIGINT and SIGTERM on the calling thread, once a boost::asio::signal_set of its
/// event loop watches them: one that arrived meanwhile is delivered now, to that signal_set.
void AcceptTerminationSignals();

/// True iff `command` (the first word of the command line) defers the signals.
bool DefersTerminationSignals(const char* command);

}  // namespace firedrill
