#include "faults/local_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

constexpr char kTruncatedNote[] = "\n[... output truncated]";
// How long the process group gets between SIGTERM and SIGKILL.
constexpr auto kTermGrace = std::chrono::seconds(1);
// After the shell exits, how long its output may take to arrive. Bounded because a background
// process the command started may hold the pipes open for as long as it lives.
constexpr auto kDrainGrace = std::chrono::milliseconds(200);
// Exit polling starts fast (most commands are short) and backs off to this.
constexpr auto kMaxPollInterval = std::chrono::milliseconds(20);

// One captured stream: reads until EOF or until it is closed, keeping at most
// kMaxCapturedOutput bytes but always draining so the child never blocks on a full pipe.
class Stream {
 public:
  explicit Stream(asio::io_context& io) : pipe_(io) {}

  bp::async_pipe& pipe() { return pipe_; }
  bool open() const { return open_; }

  void StartReading() {
    pipe_.async_read_some(asio::buffer(buffer_),
                          [this](const boost::system::error_code& ec, std::size_t n) {
                            Append(n);
                            if (ec) {
                              open_ = false;
                              return;
                            }
                            StartReading();
                          });
  }

  void Close() {
    boost::system::error_code ignored;
    pipe_.close(ignored);
  }

  std::string Take() {
    if (truncated_) text_ += kTruncatedNote;
    return std::move(text_);
  }

 private:
  void Append(std::size_t n) {
    const std::size_t room = kMaxCapturedOutput - std::min(text_.size(), kMaxCapturedOutput);
    const std::size_t take = std::min(n, room);
    text_.append(buffer_.data(), take);
    if (take < n) truncated_ = true;
  }

  bp::async_pipe pipe_;
  std::array<char, 16 * 1024> buffer_{};
  std::string text_;
  bool truncated_ = false;
  bool open_ = true;
};

// Marks every descriptor above stderr close-on-exec in the child, so the shell inherits none of
// this process's files (other threads may be creating pipes that are not close-on-exec yet).
// Closing them outright would also close Boost.Process's exec-error pipe.
void CloseOnExecAboveStderr() {
#ifdef CLOSE_RANGE_CLOEXEC
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  const long max_fd = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
  for (int fd = 3; fd < max_fd; ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

// Returns 128+signal for a death by signal, else the exit status (the shell's convention).
int ExitCodeOf(int native_status) {
  if (WIFSIGNALED(native_status)) return 128 + WTERMSIG(native_status);
  if (WIFEXITED(native_status)) return WEXITSTATUS(native_status);
  return -1;
}

// Returns true iff a process of group `pgid` still runs. Zombies do not count: an orphaned member
// is reaped by init, and in a container whose init never reaps it would otherwise look alive
// for good.
bool GroupRunning(pid_t pgid) {
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return true;  // cannot tell: assume the worst, SIGKILL follows anyway
  bool running = false;
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream file(fmt::format("/proc/{}/stat", entry->d_name));
    std::string stat;
    if (!std::getline(file, stat)) continue;
    // Fields after the parenthesised name: state, ppid, pgrp.
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
    if (!(fields >> state >> ppid >> pgrp)) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      running = true;
      break;
    }
  }
  ::closedir(proc);
  return running;
}

// Runs the pending reads until `until`. run_until returns early once no read is pending (both
// streams at EOF); sleeping the rest keeps the callers' polling loops from spinning.
void Pump(asio::io_context& io, Clock::time_point until) {
  io.restart();
  io.run_until(until);
  if (Clock::now() < until) std::this_thread::sleep_until(until);
}

// Polls `child` until it exits or `deadline`, while the streams keep draining. The fallback of
// WaitForExit on kernels without pidfd_open.
bool PollForExit(asio::io_context& io, bp::child& child, Clock::time_point deadline) {
  auto interval = std::chrono::milliseconds(1);
  while (true) {
    std::error_code ec;
    if (!child.running(ec)) return true;
    if (Clock::now() >= deadline) return false;
    Pump(io, std::min(deadline, Clock::now() + interval));
    interval = std::min(interval * 2,
                        std::chrono::duration_cast<std::chrono::milliseconds>(kMaxPollInterval));
  }
}

// Waits until `child` exits or `deadline`, while the streams keep draining; returns whether it
// exited (then it is reaped). Event-driven: a pidfd becomes readable when the process exits, so
// a short command is seen to end at once instead of at the next poll.
bool WaitForExit(asio::io_context& io, bp::child& child, Clock::time_point deadline) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, child.id(), 0));
  if (fd < 0) return PollForExit(io, child, deadline);
  bool exited = false;
  {
    asio::posix::stream_descriptor pidfd(io, fd);
    pidfd.async_wait(asio::posix::descriptor_base::wait_read,
                     [&exited](const boost::system::error_code& ec) {
                       if (!ec) exited = true;
                     });
    while (!exited && Clock::now() < deadline) {
      io.restart();
      io.run_one_until(deadline);
    }
    pidfd.cancel();
    io.restart();
    io.poll();  // runs the cancelled wait's handler while `exited` still exists
  }
  std::error_code ec;
  return !child.running(ec);  // reaps it when it has exited
}

// Kills the group: SIGTERM, up to kTermGrace for the shell and its group to go, then SIGKILL.
// Always reaps the shell.
void KillGroup(asio::io_context& io, bp::child& child, pid_t pgid) {
  ::kill(-pgid, SIGTERM);
  const auto grace_end = Clock::now() + kTermGrace;
  bool shell_exited = WaitForExit(io, child, grace_end);
  auto interval = std::chrono::milliseconds(5);
  while (shell_exited && GroupRunning(pgid) && Clock::now() < grace_end) {
    Pump(io, std::min(grace_end, Clock::now() + interval));
    interval = std::min(interval * 2, std::chrono::milliseconds(50));
  }
  // Unconditional: members that ignore SIGTERM may outlive the shell.
  ::kill(-pgid, SIGKILL);
  if (!shell_exited) {
    std::error_code ec;
    child.wait(ec);
  }
}

}  // namespace

Expected<CommandResult> LocalRunner::Run(const std::string& command, Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  try {
    asio::io_context io;
    Stream out(io);
    Stream err(io);
    std::error_code launch_error;
    // clang-format would read the redirections below as template brackets.
    // clang-format off
    bp::child child(bp::exe = "/bin/sh", bp::args = std::vector<std::string>{"-c", command},
                    bp::std_in < bp::null, bp::std_out > out.pipe(), bp::std_err > err.pipe(),
                    bp::error(launch_error),
                    bp::extend::on_exec_setup = [](auto&) {
                      // A group of its own, so a timeout can kill everything it started.
                      ::setpgid(0, 0);
                      CloseOnExecAboveStderr();
                    });
    // clang-format on
    if (launch_error || !child.valid()) {
      return Error(fmt::format("cannot start /bin/sh: {}", launch_error.message()));
    }
    // setpgid ran before exec, and the constructor returns only after exec succeeded.
    const pid_t pgid = child.id();
    out.StartReading();
    err.StartReading();

    CommandResult result;
    if (!WaitForExit(io, child, deadline)) {
      result.timed_out = true;
      KillGroup(io, child, pgid);
    }
    const auto drain_end = Clock::now() + kDrainGrace;
    while ((out.open() || err.open()) && Clock::now() < drain_end) {
      io.restart();
      io.run_until(drain_end);
    }
    out.Close();
    err.Close();
    io.restart();
    io.poll();  // lets the cancelled reads finish while the streams still exist

    result.exit_code = ExitCodeOf(child.native_exit_code());
    result.out = out.Take();
    result.err = err.Take();
    return result;
  } catch (const std::exception& e) {
    return Error(fmt::format("cannot run command locally: {}", e.what()));
  }
}

std::string LocalRunner::Describe() const { return "local"; }

}  // namespace firedrill
