#include "tests/integration/pty_firedrill.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>

#include "tests/integration/e2e_support.h"

namespace firedrill::testing {

using namespace std::chrono_literals;

PtyFiredrill::PtyFiredrill(std::vector<std::string> args, std::vector<std::string> env,
                           unsigned short columns) {
  winsize size{};
  size.ws_col = columns;
  size.ws_row = 40;
  pid_ = forkpty(&master_, nullptr, nullptr, &size);
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    for (std::string& e : env) putenv(e.data());
    std::vector<char*> argv{const_cast<char*>(FIREDRILL_BIN)};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(FIREDRILL_BIN, argv.data());
    _exit(127);
  }
  fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
}

PtyFiredrill::~PtyFiredrill() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) close(master_);
}

const std::string& PtyFiredrill::Output() {
  Drain();
  return out_;
}

int PtyFiredrill::Wait() {
  Eventually([&] { return Drain(); }, 60s);
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool PtyFiredrill::Drain() {
  char buf[4096];
  while (true) {
    ssize_t n = read(master_, buf, sizeof buf);
    if (n > 0) {
      out_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    return n == 0 || (n < 0 && errno == EIO);
  }
}

std::string Visible(const std::string& terminal) {
  std::string out;
  for (std::size_t i = 0; i < terminal.size(); ++i) {
    if (terminal[i] == '\033' && i + 1 < terminal.size() && terminal[i + 1] == '[') {
      i += 2;
      while (i < terminal.size() && (terminal[i] < '@' || terminal[i] > '~')) ++i;
      continue;
    }
    if (terminal[i] != '\r') out.push_back(terminal[i]);
  }
  return out;
}

}  // namespace firedrill::testing
