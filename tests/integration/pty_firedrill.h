// The firedrill binary on a pseudo-terminal, as a person runs it, and the text a person reads
// there.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace firedrill::testing {

/// The firedrill binary (FIREDRILL_BIN) with `args` on a new pseudo-terminal of `columns` x 40,
/// with `env` ("NAME=value") added to the environment. Everything it writes is collected by
/// Output(). Killed (SIGKILL) and reaped at scope exit unless Wait() reaped it.
class PtyFiredrill {
 public:
  PtyFiredrill(std::vector<std::string> args, std::vector<std::string> env,
               unsigned short columns = 120);
  ~PtyFiredrill();
  PtyFiredrill(const PtyFiredrill&) = delete;
  PtyFiredrill& operator=(const PtyFiredrill&) = delete;

  /// Everything written to the terminal so far.
  const std::string& Output();

  /// Reads the terminal until the child closes it (at most 60 s), then reaps the child; returns
  /// its exit status (or the signal number + 128).
  int Wait();

 private:
  // Reads what is there; returns true once the terminal is closed (every writer gone).
  bool Drain();

  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string out_;
};

/// `terminal` without its escape sequences (colours, cursor moves) and carriage returns: the text
/// a person reads, with every redraw of a block one after the other.
std::string Visible(const std::string& terminal);

}  // namespace firedrill::testing
