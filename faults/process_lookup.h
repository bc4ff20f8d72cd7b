// Finding, inspecting and signalling a target's processes through shell commands (pgrep, /proc,
// kill), shared by the process.kill and process.pause runtimes. Nothing here makes a system call
// on the target itself, so the same code works wherever the CommandRunner runs its commands.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"
#include "faults/process_selector.h"

namespace firedrill {

/// How long each inspection or kill command may take.
inline constexpr Duration kProcessCommandTimeout = std::chrono::seconds(15);

/// One process as seen on the target. The pid with its start time identifies it even after the
/// pid is reused by another process.
struct ProcessInfo {
  long pid = 0;
  std::string start_time;  ///< field 22 of /proc/PID/stat: clock ticks after boot
  char state = '?';        ///< the state letter of /proc/PID/stat ('T' = stopped, 'Z' = zombie)
  std::string cmdline;     ///< /proc/PID/cmdline with its NUL separators as spaces
  std::string cwd;         ///< the working directory, or "" when it could not be read
};

/// How strictly FindProcesses treats a pidfile.
enum class PidfileMode {
  kMustExist,  ///< an unreadable pidfile or one without a pid is an Error (before injecting)
  kMayBeGone,  ///< either just means no process (a stopping service may remove its pidfile)
};

/// Returns the live (not zombie) processes `selector` matches on the target: the pid in the
/// pidfile, `pgrep -x NAME`, or `pgrep -f` on the command-line substring (written so that the
/// shell running the search never matches itself). Returns an Error if the commands fail, e.g.
/// pgrep is not installed.
boost::asio::awaitable<Expected<std::vector<ProcessInfo>>> FindProcesses(CommandRunner& runner,
                                                                         ProcessSelector selector,
                                                                         PidfileMode mode);

/// Returns those of `processes` still alive (same pid and start time, not a zombie), with their
/// current state.
boost::asio::awaitable<Expected<std::vector<ProcessInfo>>> StillAlive(
    CommandRunner& runner, std::vector<ProcessInfo> processes);

/// Sends `signal` ("KILL", "STOP", "CONT": a name without SIG) to those of `processes` that are
/// still the same live processes (checked on the target right before each kill, so a reused pid
/// is never signalled). Returns an Error if kill fails for one of them. The kill command runs
/// with `hooks` (see FaultContext::inject_hooks).
boost::asio::awaitable<Status> SignalProcesses(CommandRunner& runner,
                                               std::vector<ProcessInfo> processes,
                                               std::string signal, RunHooks hooks = {});

/// Returns the processes `selector` matches for a fault about to act on them, or an Error saying
/// why injecting is refused: none running ("no process named \"web\" is running"), or several
/// while `selector.all` is false.
boost::asio::awaitable<Expected<std::vector<ProcessInfo>>> SelectVictims(CommandRunner& runner,
                                                                         ProcessSelector selector);

/// Returns "pid 12" or "pids 12, 34".
std::string DescribePids(const std::vector<ProcessInfo>& processes);

/// Returns the sentence for "no match": "no process named \"web\" is running".
std::string NoneRunning(const ProcessSelector& selector);

/// Returns `processes` as a JSON array of {pid, start_time, cmdline, cwd} objects.
boost::json::array ProcessesToJson(const std::vector<ProcessInfo>& processes);

/// Reads the array member "processes" that ProcessesToJson wrote into `state`.
Expected<std::vector<ProcessInfo>> ProcessesFromState(const boost::json::object& state);

}  // namespace firedrill
