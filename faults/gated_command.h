// The gate a command starts behind when its runner is given RunHooks::on_started: a small
// /bin/sh wrapper, leader of its own process group, that runs nothing until the runner has
// reported the wrapper's identity (ProcessIdentity) and then writes "go" to its stdin. The same
// script serves the local runner (stdin is a socket to the orchestrator) and the SSH runner
// (stdin is the channel's).
//
// The wrapper:
//   1. (SSH only) prints "firedrill-pgid=PID START_TIME BOOT_ID" as its first line on stderr;
//   2. reads one line from stdin; anything but "go" (EOF included: the orchestrator died or the
//      hook failed) makes it exit kNotStartedExit without running the command;
//   3. runs the command with /bin/sh -c, stdin /dev/null, in its own group, and meanwhile watches
//      its stdin: EOF there before the command ended means the orchestrator (or the connection
//      to it) is gone, and it kills its whole process group with SIGKILL;
//   4. exits with the command's exit status (128+signal if it was killed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace firedrill {

/// The wrapper's exit status when it did not start the command.
inline constexpr int kNotStartedExit = 125;

/// What the runner writes to the wrapper's stdin to let the command start.
inline constexpr std::string_view kGateGo = "go\n";

/// The first stderr line of an announcing wrapper starts with this.
inline constexpr std::string_view kAnnouncePrefix = "firedrill-pgid=";

/// Returns the wrapper script; run it as `/bin/sh -c SCRIPT firedrill-gate COMMAND` in a process
/// group of its own. With `announce`, it prints its identity line first (step 1 above).
std::string GateScript(bool announce);

/// The fields of an announce line "firedrill-pgid=PID START BOOT" (also accepted: the bare
/// "firedrill-pgid=PID" of an ungated SSH command, with start and boot empty).
struct AnnounceLine {
  long pgid = 0;
  std::string start_time;
  std::string boot_id;
};

/// Parses an announce line (without its newline); nullopt if `line` is not one.
std::optional<AnnounceLine> ParseAnnounceLine(std::string_view line);

}  // namespace firedrill
