#include "faults/local_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "faults/gated_command.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

constexpr char kTruncatedNote[] = "\n[... output truncated]";
// How long the process group gets between SIGTERM and SIGKILL.
constexpr auto kTermGrace = std::chrono::seconds(1);
// After the shell exits, how long its output may take to arrive. Bounded because a background
// process the command started may hold the pipes open for as long as it lives.
constexpr auto kDrainGrace = std::chrono::milliseconds(200);
// How long a shell that got SIGKILL may take to be reaped (it may sit in an uninterruptible
// sleep); after that it is left to be reaped by nobody rather than blocking the event loop.
constexpr auto kReapWait = std::chrono::seconds(10);
// Exit polling (without pidfd_open) starts fast and backs off to this.
constexpr auto kMaxPollInterval = std::chrono::milliseconds(20);

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The descriptors the child's stdio is made of, and who its parent must be.
struct ChildSetup {
  int in = -1;  // the gate socket; -1: /dev/null
  int out = -1;
  int err = -1;
  pid_t parent = 0;
};

// Marks every descriptor above stderr close-on-exec in the child, so the shell inherits none of
// this process's files (other threads may be creating descriptors that are not close-on-exec
// yet). Closing them outright would also close Boost.Process's exec-error pipe.
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

// In the forked child, before exec; async-signal-safe calls only (the parent has threads).
void SetUpChild(const ChildSetup& setup) {
  // A group of its own, so a timeout can kill everything it started.
  ::setpgid(0, 0);
  // Signals the parent defers (SIGINT/SIGTERM while firedrill starts up) must reach the
  // command: an exec keeps the blocked set.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // The shell dies with this process (with the forking thread, in fact: see local_runner.h)...
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // ...which may already have died between fork and prctl: then no signal would ever come.
  if (::getppid() != setup.parent) ::_exit(kNotStartedExit);
  // Moved above 2 first, so that none of them is overwritten by another's dup2.
  const int in = setup.in >= 0 ? ::fcntl(setup.in, F_DUPFD_CLOEXEC, 3)
                               : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = ::fcntl(setup.out, F_DUPFD_CLOEXEC, 3);
  const int err = ::fcntl(setup.err, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0 || err < 0) ::_exit(kNotStartedExit);
  // dup2 leaves the new descriptors without FD_CLOEXEC: the shell keeps 0, 1 and 2.
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(kNotStartedExit);
  CloseOnExecAboveStderr();
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

asio::awaitable<void> SleepUntil(Clock::time_point until) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, until);
  co_await timer.async_wait(asio::as_tuple(use_awaitable));
}

// One captured stream: read until EOF or until it is closed, keeping at most kMaxCapturedOutput
// bytes but always draining, so the child never blocks on a full pipe.
struct Capture {
  Capture(const asio::any_io_executor& executor, int fd) : pipe(executor, fd) {}

  void Append(const char* data, std::size_t n) {
    const std::size_t room = kMaxCapturedOutput - std::min(text.size(), kMaxCapturedOutput);
    const std::size_t take = std::min(n, room);
    text.append(data, take);
    if (take < n) truncated = true;
  }

  std::string Take() {
    if (truncated) text += kTruncatedNote;
    return std::move(text);
  }

  asio::posix::stream_descriptor pipe;
  std::string text;
  bool truncated = false;
  bool open = true;
};

// The child and how its exit is seen.
struct Child {
  bp::child process;
  std::optional<asio::posix::stream_descriptor> pidfd;  // empty: poll

  // Returns true iff it has exited (and reaps it then).
  bool Exited() {
    std::error_code ec;
    return !process.running(ec);
  }
};

// Waits until the child exits or `deadline`; returns whether it exited (then it is reaped).
// Event-driven: a pidfd becomes readable when the process exits. A wait on a descriptor may
// complete without the descriptor being ready (Asio reuses a closed descriptor's reactor state
// for the next one, and readiness queued for the old one can reach the new one), so only the
// exit itself, or the deadline, ends the wait.
asio::awaitable<bool> WaitForExit(Child& child, Clock::time_point deadline) {
  if (child.Exited()) co_return true;
  const auto executor = co_await asio::this_coro::executor;
  while (child.pidfd && Clock::now() < deadline) {
    asio::steady_timer timer(executor, deadline);
    auto woken = co_await (child.pidfd->async_wait(asio::posix::descriptor_base::wait_read,
                                                   asio::as_tuple(use_awaitable)) ||
                           timer.async_wait(asio::as_tuple(use_awaitable)));
    if (child.Exited()) co_return true;
    // A pidfd that reports an error cannot be waited on: poll for the rest of the time.
    if (woken.index() == 0 && std::get<0>(std::get<0>(woken))) child.pidfd.reset();
  }
  if (child.pidfd) co_return child.Exited();
  auto interval = std::chrono::milliseconds(1);
  while (Clock::now() < deadline) {
    co_await SleepUntil(std::min(deadline, Clock::now() + interval));
    if (child.Exited()) co_return true;
    interval = std::min(interval * 2,
                        std::chrono::duration_cast<std::chrono::milliseconds>(kMaxPollInterval));
  }
  co_return child.Exited();
}

// Kills the group: SIGTERM, up to kTermGrace for the shell and its group to go, then SIGKILL.
// Reaps the shell.
asio::awaitable<void> KillGroup(Child& child, pid_t pgid) {
  ::kill(-pgid, SIGTERM);
  const auto grace_end = Clock::now() + kTermGrace;
  const bool exited = co_await WaitForExit(child, grace_end);
  auto interval = std::chrono::milliseconds(5);
  while (exited && GroupRunning(pgid) && Clock::now() < grace_end) {
    co_await SleepUntil(std::min(grace_end, Clock::now() + interval));
    interval = std::min(interval * 2, std::chrono::milliseconds(50));
  }
  // Unconditional: members that ignore SIGTERM may outlive the shell.
  ::kill(-pgid, SIGKILL);
  if (exited) co_return;
  const bool reaped = co_await WaitForExit(child, Clock::now() + kReapWait);
  if (!reaped) child.process.detach();  // never a blocking waitpid on the event loop
}

// Reads `capture` to its end; the last of the two streams to end cancels `drained`.
asio::awaitable<void> ReadAll(Capture& capture, const Capture& other, asio::steady_timer& drained) {
  std::array<char, 16 * 1024> buffer;
  while (true) {
    auto [ec, n] =
        co_await capture.pipe.async_read_some(asio::buffer(buffer), asio::as_tuple(use_awaitable));
    capture.Append(buffer.data(), n);
    if (ec) break;
  }
  capture.open = false;
  if (!other.open) drained.cancel();
}

// What the supervision of one command learned.
struct Outcome {
  bool timed_out = false;
  std::optional<std::string> not_started;  // why the gate stayed closed
};

// Opens the gate once `hooks.on_started` has accepted the wrapper's identity, or closes it
// (the wrapper then exits without running the command).
asio::awaitable<void> PassGate(pid_t pid, const RunHooks& hooks, UniqueFd& gate, Outcome& outcome) {
  Status accepted = Status::Ok();
  Expected<ProcessIdentity> identity = LocalProcessIdentity(pid);
  if (identity) {
    accepted = co_await hooks.on_started(*identity);
  } else {
    accepted = identity.error();
  }
  if (accepted) {
    // A few bytes into an empty socket never block; MSG_NOSIGNAL: a wrapper that died must not
    // take this process down with SIGPIPE.
    const ssize_t sent = ::send(gate.get(), kGateGo.data(), kGateGo.size(), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(kGateGo.size())) co_return;
    accepted = Error(fmt::format("cannot open the gate: {}", std::strerror(errno)));
  }
  outcome.not_started = accepted.error().message;
  gate.reset();
}

// Lets the command through its gate (if any), waits for its end or kills its group at the
// deadline, then gives the output kDrainGrace to arrive and closes the pipes.
asio::awaitable<void> Supervise(Child& child, const RunHooks& hooks, UniqueFd& gate,
                                Duration timeout, Capture& out, Capture& err,
                                asio::steady_timer& drained, Outcome& outcome) {
  const pid_t pid = child.process.id();
  if (gate.get() >= 0) co_await PassGate(pid, hooks, gate, outcome);
  const bool exited = co_await WaitForExit(child, Clock::now() + timeout);
  if (!exited) {
    outcome.timed_out = true;
    co_await KillGroup(child, pid);  // setpgid made the shell the leader of group `pid`
  }
  gate.reset();
  if (out.open || err.open) {
    drained.expires_after(kDrainGrace);
    co_await drained.async_wait(asio::as_tuple(use_awaitable));
  }
  boost::system::error_code ignored;
  out.pipe.close(ignored);
  err.pipe.close(ignored);
}

bool MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end = UniqueFd(fds[0]);
  write_end = UniqueFd(fds[1]);
  return true;
}

}  // namespace

asio::awaitable<Expected<CommandResult>> LocalRunner::Execute(std::string command, Duration timeout,
                                                              RunHooks hooks) {
  try {
    const asio::any_io_executor executor = co_await asio::this_coro::executor;
    const bool gated = static_cast<bool>(hooks.on_started);
    UniqueFd out_read, out_write, err_read, err_write, gate, gate_child;
    bool made = MakePipe(out_read, out_write) && MakePipe(err_read, err_write);
    if (made && gated) {
      int pair[2];
      made = ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0;
      if (made) {
        gate = UniqueFd(pair[0]);
        gate_child = UniqueFd(pair[1]);
      }
    }
    if (!made) co_return Error(fmt::format("cannot create pipes: {}", std::strerror(errno)));

    std::vector<std::string> args{"-c", command};
    if (gated) args = {"-c", GateScript(false), "firedrill-gate", command};
    const ChildSetup setup{gate_child.get(), out_write.get(), err_write.get(), ::getpid()};
    std::error_code launch_error;
    Child child{bp::child(
                    bp::exe = "/bin/sh", bp::args = args, bp::error(launch_error),
                    bp::extend::on_exec_setup = [&setup](auto&) { SetUpChild(setup); }),
                std::nullopt};
    if (launch_error || !child.process.valid()) {
      co_return Error(fmt::format("cannot start /bin/sh: {}", launch_error.message()));
    }
    // The child has its copies; the pipes must end when it (and what it started) closes them.
    out_write.reset();
    err_write.reset();
    gate_child.reset();
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.process.id(), 0));
    if (pidfd >= 0) child.pidfd.emplace(executor, pidfd);

    Capture out(executor, out_read.release());
    Capture err(executor, err_read.release());
    asio::steady_timer drained(executor, asio::steady_timer::time_point::max());
    Outcome outcome;
    co_await (ReadAll(out, err, drained) && ReadAll(err, out, drained) &&
              Supervise(child, hooks, gate, timeout, out, err, drained, outcome));

    if (outcome.not_started) {
      co_return Error(fmt::format("the command was not started: {}", *outcome.not_started));
    }
    CommandResult result;
    result.timed_out = outcome.timed_out;
    result.exit_code = child.Exited() ? ExitCodeOf(child.process.native_exit_code()) : -1;
    result.out = out.Take();
    result.err = err.Take();
    co_return result;
  } catch (const std::exception& e) {
    co_return Error(fmt::format("cannot run command locally: {}", e.what()));
  }
}

std::string LocalRunner::Describe() const { return "local"; }

}  // namespace firedrill
