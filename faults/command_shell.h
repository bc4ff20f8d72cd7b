// The command shell an SSH session keeps open on its host, and how its output is read: the
// script, the marker that frames each command's output and exit status, and the streams that
// take a command's output apart from those markers. Used by ssh_session.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace firedrill {

/// Appended to output cut at the capture limit (kMaxCapturedOutput).
inline constexpr char kTruncatedNote[] = "\n[... output truncated]";

/// The command shell a session keeps open on the host: one exec for all of its commands, so that
/// a command costs the host one fork and two execs (setsid, /bin/sh) instead of an sshd session,
/// a login shell and a wrapper. It is started as `/bin/sh -c SCRIPT firedrill-shell MARKER GATE`,
/// MARKER being a random string of the session's and GATE the announcing gate wrapper
/// (gated_command.h). It answers "MARKER ready DIR" (DIR: a private directory it removes when it
/// ends, which is when its stdin closes with the session), then reads requests "ID LINES [g]"
/// followed by LINES lines of a command.
///
/// An ungated command runs with `setsid /bin/sh -c`, stdin /dev/null, its stdout and stderr the
/// shell's own; the shell writes the command's process group to DIR/pgid (for a kill after a
/// timeout) and, once it ended, "MARKER ID" on stderr and "MARKER ID STATUS" on stdout. A
/// command's output is what precedes those. (A background process a command leaves with the
/// shell's stdout still open writes into whatever runs later, so such processes must redirect
/// their output, as over any SSH exec.)
///
/// A gated command ("g") runs behind GATE in a session of its own, its stdin the read end of a
/// pipe (a FIFO, unlinked once open) whose only writer is the shell: the wrapper announces itself
/// on stderr, the shell then reads one more line, "ID go" (it writes "go" into the pipe) or
/// anything else (it closes the pipe: the wrapper exits without running the command), and goes
/// back to reading requests while the command runs. The pipe is the command's lifeline: it stays
/// open until the next request (which comes only once the command has ended) or until the shell
/// ends because the session is gone, and the wrapper kills its group on EOF there. A background
/// subshell reports the wrapper's end with the same two marker lines.
extern const char kCommandShellScript[];

/// Returns a fresh random marker for a session's command shell (hex, 32 characters).
std::string NewShellMarker();

/// Appends `n` bytes of `data` to `text` up to the capture limit (kMaxCapturedOutput); sets
/// `truncated` when something was dropped.
void CaptureOutput(std::string& text, bool& truncated, const char* data, std::size_t n);

/// One stream (stdout or stderr) of one command run by the command shell: the output until
/// `end` (the shell's marker for that command), kept up to the capture limit.
struct ShellStream {
  explicit ShellStream(std::string end_marker) : end(std::move(end_marker)) {}

  std::string end;
  std::string pending;  ///< not yet known not to be the start of `end`
  std::string kept;
  bool cut = false;
  bool ended = false;
  std::string after;  ///< what followed `end` (on stdout, the exit status line)

  /// Takes `n` more bytes of the stream.
  void Feed(const char* data, std::size_t n);
  /// The output kept, with kTruncatedNote when some was cut.
  std::string Output() const;
  /// The first line of the stream (without its newline) once it is complete.
  std::optional<std::string> FirstLine() const;
};

}  // namespace firedrill
