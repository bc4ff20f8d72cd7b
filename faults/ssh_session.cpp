#include "faults/ssh_session.h"

#include <fmt/format.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <charconv>

#include "faults/command_shell.h"
#include "faults/gated_command.h"
#include "faults/shell_quote.h"

namespace firedrill {

namespace asio = boost::asio;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

// Longest wait for readiness before libssh is asked again. Waits end on readiness; this only
// bounds the cost of a readiness edge that could be missed.
constexpr auto kMaxIdleWait = std::chrono::milliseconds(250);

// The command as sent: in a session and process group of its own whose id it reports first on
// stderr (see ParseAnnounceLine), so a timeout can kill everything it started; with `gated`,
// behind the gate wrapper of gated_command.h.
std::string Wrap(const std::string& command, bool gated) {
  std::string inner = GateScript(true);
  if (!gated) inner = fmt::format("echo {}$$ >&2; exec /bin/sh -c \"$1\"", kAnnouncePrefix);
  return "exec setsid -w /bin/sh -c " + ShellQuote(inner) + " firedrill " + ShellQuote(command);
}

// Takes the first line out of `err` once it is complete; returns whether it was.
bool TakeFirstLine(std::string& err, std::string& line) {
  const std::size_t nl = err.find('\n');
  if (nl == std::string::npos) return false;
  line = err.substr(0, nl);
  err.erase(0, nl + 1);
  return true;
}

struct ExitInfo {
  std::optional<int> status;
  std::optional<std::string> signal;
};

void OnExitStatus(ssh_session, ssh_channel, int status, void* userdata) {
  static_cast<ExitInfo*>(userdata)->status = status;
}

void OnExitSignal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                  void* userdata) {
  static_cast<ExitInfo*>(userdata)->signal = signal ? signal : "?";
}

int SignalNumber(const std::string& name) {
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},
      {"FPE", 8},   {"KILL", 9},  {"SEGV", 11}, {"PIPE", 13}, {"ALRM", 14},
      {"TERM", 15}, {"USR1", 10}, {"USR2", 12}};
  for (const auto& [n, v] : kSignals) {
    if (name == n) return v;
  }
  return 0;
}

}  // namespace

struct SshSession::Impl {
  Impl(asio::io_context& ctx, SshEndpoint e) : io(ctx), ep(std::move(e)) {}
  ~Impl() { Teardown(); }

  void Teardown() {
    // ssh_free below frees the shell's channel with the session.
    shell = nullptr;
    shell_dir.clear();
    if (fd) {
      fd->release();  // libssh owns the socket
      fd.reset();
    }
    if (s != nullptr) {
      ssh_disconnect(s);
      ssh_free(s);
      s = nullptr;
    }
  }

  std::string Where() const {
    return fmt::format("{}@{}:{}", ep.user.empty() ? "(local user)" : ep.user, ep.host, ep.port);
  }

  Error Fail(const std::string& what) {
    std::string detail = s != nullptr ? ssh_get_error(s) : "";
    Teardown();
    return Error{fmt::format("ssh {}: {}{}", Where(), what, detail.empty() ? "" : ": " + detail)};
  }

  // Waits until libssh's socket is ready for what libssh waits for, or `deadline`. Returns false
  // iff the deadline passed. Returns at once when unread bytes are already in the socket: the
  // event loop's readiness is edge-triggered, so libssh must drain them before any wait.
  asio::awaitable<bool> WaitIo(Clock::time_point deadline) {
    if (Clock::now() >= deadline) co_return false;
    const int native = ssh_get_fd(s);
    if (native < 0) co_return false;
    int pending = 0;
    if (::ioctl(native, FIONREAD, &pending) == 0 && pending > 0) co_return true;
    if (!fd || fd->native_handle() != native) {
      if (fd) fd->release();
      fd.emplace(io, native);
    }
    const int flags = ssh_get_poll_flags(s);
    auto what = (flags & SSH_WRITE_PENDING) != 0 ? asio::posix::descriptor_base::wait_write
                                                 : asio::posix::descriptor_base::wait_read;
    asio::steady_timer cap(io, std::min(deadline, Clock::now() + kMaxIdleWait));
    co_await (fd->async_wait(what, asio::as_tuple(use_awaitable)) ||
              cap.async_wait(asio::as_tuple(use_awaitable)));
    co_return Clock::now() < deadline;
  }

  // Writes all of `data` to the channel's stdin; an Error if the connection breaks or `until`
  // passes first.
  asio::awaitable<Status> WriteAll(ssh_channel ch, std::string_view data, Clock::time_point until) {
    while (!data.empty()) {
      const int n = ssh_channel_write(ch, data.data(), static_cast<uint32_t>(data.size()));
      if (n == SSH_ERROR) co_return Fail("connection lost while writing to a command");
      data.remove_prefix(static_cast<std::size_t>(std::max(n, 0)));
      if (data.empty()) break;
      const bool in_time = co_await WaitIo(until);
      if (!in_time) co_return Fail("writing to a command timed out");
    }
    co_return Status{};
  }

  // Runs `cmd` on a new channel until it ends or `until`; fills `r` (timed_out when `until`
  // passed first). With a `gate`, stdin stays open: the first stderr line goes to `announce` and
  // to the gate, and "go" is written when the gate accepts it (then `until` becomes now +
  // `timeout`), else stdin is closed. Returns an Error when the channel cannot start or the
  // connection breaks.
  asio::awaitable<Status> RunChannel(const std::string& cmd, Clock::time_point until,
                                     CommandResult& r, const SshSession::Gate* gate = nullptr,
                                     Duration timeout = Duration::zero(),
                                     std::string* announce = nullptr) {
    ssh_channel ch = ssh_channel_new(s);
    if (ch == nullptr) co_return Fail("cannot open a channel");
    ExitInfo exit;
    ssh_channel_callbacks_struct cb{};
    cb.userdata = &exit;
    cb.channel_exit_status_function = &OnExitStatus;
    cb.channel_exit_signal_function = &OnExitSignal;
    ssh_callbacks_init(&cb);
    ssh_set_channel_callbacks(ch, &cb);
    // libssh keeps a locally freed channel until the server closes it and still dispatches its
    // callbacks (an exit signal after a timeout kill, say), so they are detached first: `exit`
    // and `cb` live in this frame only. When a failure tore the session down (Fail), ssh_free
    // has already freed the channel with it: nothing is left to release.
    struct ChannelGuard {
      Impl* impl;
      ssh_session owner;
      ssh_channel c;
      ssh_channel_callbacks cbs;
      ~ChannelGuard() {
        if (impl->s != owner) return;
        ssh_remove_channel_callbacks(c, cbs);
        ssh_channel_close(c);
        ssh_channel_free(c);
      }
    } guard{this, s, ch, &cb};
    int rc = SSH_AGAIN;
    while ((rc = ssh_channel_open_session(ch)) == SSH_AGAIN) {
      bool in_time = co_await WaitIo(until);
      if (!in_time) break;
    }
    if (rc != SSH_OK)
      co_return Fail(rc == SSH_AGAIN ? "opening a channel timed out" : "cannot open a channel");
    while ((rc = ssh_channel_request_exec(ch, cmd.c_str())) == SSH_AGAIN) {
      bool in_time = co_await WaitIo(until);
      if (!in_time) break;
    }
    if (rc != SSH_OK)
      co_return Fail(rc == SSH_AGAIN ? "starting the command timed out"
                                     : "cannot start the command");
    // stdin closed, except for a gated command, whose gate is its stdin
    if (gate == nullptr) ssh_channel_send_eof(ch);
    bool gate_pending = gate != nullptr;

    bool out_cut = false;
    bool err_cut = false;
    std::array<char, 16 * 1024> buf{};
    while (true) {
      bool progress = false;
      for (int is_stderr : {0, 1}) {
        while (true) {
          int n = ssh_channel_read_nonblocking(ch, buf.data(), buf.size(), is_stderr);
          if (n == SSH_ERROR) co_return Fail("connection lost while a command ran");
          if (n <= 0) break;
          progress = true;
          CaptureOutput(is_stderr ? r.err : r.out, is_stderr ? err_cut : out_cut, buf.data(),
                        static_cast<std::size_t>(n));
        }
      }
      if (gate_pending && TakeFirstLine(r.err, *announce)) {
        gate_pending = false;
        // The command waits behind its gate meanwhile; nothing else is read on this channel.
        Status accepted = co_await (*gate)(*announce);
        if (accepted) {
          Status written = co_await WriteAll(ch, kGateGo, until);
          if (!written) co_return written;
          until = Clock::now() + timeout;
        } else {
          ssh_channel_send_eof(ch);  // the wrapper exits without running the command
        }
        continue;
      }
      // After the remote EOF, libssh's channel reads and polls no longer process incoming
      // packets, so the exit status that follows is driven by asking for it (on a non-blocking
      // session this handles what has arrived and returns at once).
      if (ssh_channel_is_eof(ch) != 0 && ssh_channel_is_closed(ch) == 0 && !exit.status &&
          !exit.signal) {
        ssh_channel_get_exit_status(ch);
      }
      bool ended = ssh_channel_is_closed(ch) != 0 ||
                   (ssh_channel_is_eof(ch) != 0 && (exit.status || exit.signal));
      if (ended) break;
      if (!progress) {
        bool in_time = co_await WaitIo(until);
        if (!in_time) {
          r.timed_out = true;
          break;
        }
      }
    }
    if (exit.status) {
      r.exit_code = *exit.status;
    } else if (exit.signal) {
      r.exit_code = 128 + SignalNumber(*exit.signal);
    }
    if (out_cut) r.out += kTruncatedNote;
    if (err_cut) r.err += kTruncatedNote;
    co_return Status{};
  }

  // Lets go of the command shell; its stdin closes, so it ends once a command it still runs
  // has ended, and takes its directory with it.
  void CloseShell() {
    if (shell == nullptr) return;
    ssh_channel_close(shell);
    ssh_channel_free(shell);
    shell = nullptr;
    shell_dir.clear();
  }

  // Feeds what the shell has sent to `out` and `err`. Returns whether anything came; an Error
  // when the connection broke.
  Expected<bool> DrainShell(ShellStream& out, ShellStream& err) {
    std::array<char, 16 * 1024> buf{};
    bool progress = false;
    for (int is_stderr : {0, 1}) {
      while (true) {
        const int n = ssh_channel_read_nonblocking(shell, buf.data(), buf.size(), is_stderr);
        if (n == SSH_ERROR) return Fail("connection lost while a command ran");
        if (n <= 0) break;
        progress = true;
        (is_stderr ? err : out).Feed(buf.data(), static_cast<std::size_t>(n));
      }
    }
    return progress;
  }

  // Reads from the shell until `done()`, the shell ends (false) or `until` (false, `timed_out`).
  template <typename Done>
  asio::awaitable<Expected<bool>> ReadShell(ShellStream& out, ShellStream& err, Done done,
                                            Clock::time_point until, bool& timed_out) {
    while (!done()) {
      Expected<bool> progress = DrainShell(out, err);
      if (!progress) co_return progress.error();
      if (*progress) continue;
      if (ssh_channel_is_eof(shell) != 0 || ssh_channel_is_closed(shell) != 0) co_return false;
      const bool in_time = co_await WaitIo(until);
      if (!in_time) {
        timed_out = true;
        co_return false;
      }
    }
    co_return true;
  }

  // Starts the command shell if none runs. Returns whether one runs now (false: the host could
  // not start it, and shell_refused is set); an Error when the connection broke.
  asio::awaitable<Expected<bool>> OpenShell(Clock::time_point until) {
    if (shell != nullptr) co_return true;
    if (shell_refused) co_return false;
    ssh_channel ch = ssh_channel_new(s);
    if (ch == nullptr) co_return Fail("cannot open a channel");
    shell = ch;
    int rc = SSH_AGAIN;
    while ((rc = ssh_channel_open_session(ch)) == SSH_AGAIN) {
      bool in_time = co_await WaitIo(until);
      if (!in_time) break;
    }
    if (rc != SSH_OK) {
      if (rc == SSH_AGAIN) CloseShell();
      co_return Fail(rc == SSH_AGAIN ? "opening a channel timed out" : "cannot open a channel");
    }
    shell_marker = NewShellMarker();
    const std::string start =
        fmt::format("exec /bin/sh -c {} firedrill-shell {} {}", ShellQuote(kCommandShellScript),
                    shell_marker, ShellQuote(GateScript(true)));
    while ((rc = ssh_channel_request_exec(ch, start.c_str())) == SSH_AGAIN) {
      bool in_time = co_await WaitIo(until);
      if (!in_time) break;
    }
    if (rc != SSH_OK) {
      if (rc == SSH_AGAIN) CloseShell();
      co_return Fail(rc == SSH_AGAIN ? "starting a command timed out" : "cannot start a command");
    }
    ShellStream out{shell_marker + " ready "};
    ShellStream err{shell_marker + " never "};
    bool timed_out = false;
    Expected<bool> ready = co_await ReadShell(
        out, err, [&] { return out.ended && out.after.find('\n') != std::string::npos; }, until,
        timed_out);
    if (!ready) co_return ready.error();
    if (*ready) {
      shell_dir = out.after.substr(0, out.after.find('\n'));
      co_return true;
    }
    // No shell on this host (no mktemp, say), or it did not answer in time: every command
    // gets a channel of its own instead, as it would without the shell.
    CloseShell();
    shell_refused = !timed_out;
    co_return false;
  }

  // Runs `command` through the command shell until it ends or `until`; fills `r`. With a `gate`,
  // the command starts behind the gate wrapper as SshSession::Exec says (`announce` gets the
  // wrapper's line, `until` becomes now + `timeout` once it is let through). On timeout its
  // process group is killed through a second channel and the shell is let go (the next command
  // starts a new one). Returns an Error when the connection broke or the shell ended while the
  // command ran (whether it ran is then unknown).
  asio::awaitable<Status> ShellRun(const std::string& command, Clock::time_point until,
                                   CommandResult& r, const SshSession::Gate* gate = nullptr,
                                   Duration timeout = Duration::zero(),
                                   std::string* announce = nullptr) {
    const std::uint64_t id = shell_next_id++;
    std::string request = command;
    if (request.empty() || request.back() != '\n') request += '\n';
    const auto lines = std::count(request.begin(), request.end(), '\n');
    request = fmt::format("{} {}{}\n{}", id, lines, gate != nullptr ? " g" : "", request);
    Status written = co_await WriteAll(shell, request, until);
    if (!written) co_return written;
    ShellStream out{fmt::format("{} {} ", shell_marker, id)};
    ShellStream err{fmt::format("{} {}\n", shell_marker, id)};
    auto ended_fully = [&] {
      return out.ended && err.ended && out.after.find('\n') != std::string::npos;
    };
    bool timed_out = false;
    std::optional<AnnounceLine> wrapper;
    if (gate != nullptr) {
      // The wrapper's identity line first (or its end, when it could not announce itself).
      Expected<bool> announced = co_await ReadShell(
          out, err, [&] { return err.FirstLine().has_value() || ended_fully(); }, until, timed_out);
      if (!announced) co_return announced.error();
      if (*announced && !ended_fully()) {
        *announce = *err.FirstLine();
        wrapper = ParseAnnounceLine(*announce);
        // The command waits behind its gate meanwhile; nothing else is read from the shell.
        Status accepted = co_await (*gate)(*announce);
        const std::string answer = fmt::format("{} {}\n", id, accepted ? "go" : "no");
        Status answered = co_await WriteAll(shell, answer, until);
        if (!answered) co_return answered;
        if (accepted) until = Clock::now() + timeout;
      }
    }
    Expected<bool> ended = false;
    if (!timed_out) ended = co_await ReadShell(out, err, ended_fully, until, timed_out);
    if (!ended) co_return ended.error();
    r.out = out.Output();
    r.err = err.Output();
    // The wrapper's line is not the command's output.
    if (announce != nullptr && !announce->empty() && r.err.rfind(*announce, 0) == 0) {
      r.err.erase(0, std::min(r.err.size(), announce->size() + 1));
    }
    if (*ended) {
      const std::string status = out.after.substr(0, out.after.find('\n'));
      int code = -1;
      auto [next, ec] = std::from_chars(status.data(), status.data() + status.size(), code);
      if (ec != std::errc() || next != status.data() + status.size()) {
        CloseShell();
        co_return Error{fmt::format("ssh {}: the command shell sent an unreadable status \"{}\"",
                                    Where(), status)};
      }
      r.exit_code = code;
      co_return Status{};
    }
    if (!timed_out) {
      CloseShell();
      co_return Error{fmt::format(
          "ssh {}: the command shell ended while a command ran (whether it ran is unknown)",
          Where())};
    }
    r.timed_out = true;
    // Best effort: the command has already failed (timed out), which is what is reported. A
    // gated command's group is the wrapper's (none yet when it never announced itself: letting
    // the shell go below closes its gate); an ungated one's is in the shell's directory.
    const std::string group = gate == nullptr ? fmt::format("$(cat {}/pgid)", ShellQuote(shell_dir))
                              : wrapper       ? std::to_string(wrapper->pgid)
                                              : std::string();
    if (!group.empty()) {
      CommandResult killed;
      [[maybe_unused]] Status killed_status = co_await RunChannel(
          fmt::format("g={} && {{ pkill -TERM -g \"$g\"; sleep 1; pkill -KILL -g \"$g\"; }}; true",
                      group),
          Clock::now() + std::chrono::seconds(5), killed);
    }
    CloseShell();
    co_return Status{};
  }

  asio::io_context& io;
  SshEndpoint ep;
  ssh_session s = nullptr;
  std::optional<asio::posix::stream_descriptor> fd;  // a view of libssh's socket
  bool busy = false;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
  // The command shell (ShellScript): its channel, private directory and unread reply bytes.
  ssh_channel shell = nullptr;
  std::string shell_dir;
  std::string shell_marker;
  bool shell_refused = false;  // the host could not start it: one channel per command instead
  std::uint64_t shell_next_id = 1;
};

std::shared_ptr<SshSession> SshSession::Create(asio::io_context& io, SshEndpoint endpoint) {
  return std::shared_ptr<SshSession>(new SshSession(io, std::move(endpoint)));
}

SshSession::SshSession(asio::io_context& io, SshEndpoint endpoint)
    : impl_(std::make_unique<Impl>(io, std::move(endpoint))) {}

SshSession::~SshSession() = default;

std::string SshSession::Describe() const { return impl_->Where(); }

asio::awaitable<void> SshSession::Lock() {
  if (!impl_->busy) {
    impl_->busy = true;
    co_return;
  }
  auto t = std::make_shared<asio::steady_timer>(impl_->io, asio::steady_timer::time_point::max());
  impl_->waiters.push_back(t);
  co_await t->async_wait(asio::as_tuple(use_awaitable));  // cancelled by Unlock: our turn
}

void SshSession::Unlock() {
  if (impl_->waiters.empty()) {
    impl_->busy = false;
    return;
  }
  impl_->waiters.front()->cancel();  // ownership passes on; busy stays true
  impl_->waiters.pop_front();
}

asio::awaitable<Status> SshSession::Connect() {
  co_await Lock();
  struct Unlocker {
    SshSession* self;
    ~Unlocker() { self->Unlock(); }
  } unlock{this};
  Impl& m = *impl_;
  if (m.s != nullptr && ssh_is_connected(m.s) != 0) co_return Status{};
  m.Teardown();
  const auto deadline = Clock::now() + m.ep.connect_timeout;
  if (m.ep.known_hosts.empty()) {
    co_return Error{
        fmt::format("ssh {}: no known_hosts file given; host keys are always checked", m.Where())};
  }

  // Resolve and connect on the loop (libssh's own resolution would block), then hand the
  // connected socket to libssh.
  asio::ip::tcp::resolver resolver(m.io);
  auto [rec, endpoints] = co_await resolver.async_resolve(m.ep.host, std::to_string(m.ep.port),
                                                          asio::as_tuple(use_awaitable));
  if (rec)
    co_return Error{
        fmt::format("ssh {}: cannot resolve {}: {}", m.Where(), m.ep.host, rec.message())};
  asio::ip::tcp::socket sock(m.io);
  asio::steady_timer connect_timer(m.io, deadline);
  auto connected = co_await (asio::async_connect(sock, endpoints, asio::as_tuple(use_awaitable)) ||
                             connect_timer.async_wait(asio::as_tuple(use_awaitable)));
  if (connected.index() == 1) {
    co_return Error{fmt::format("ssh {}: TCP connect timed out after {}", m.Where(),
                                FormatDuration(m.ep.connect_timeout))};
  }
  auto [cec, peer] = std::get<0>(connected);
  if (cec) co_return Error{fmt::format("ssh {}: cannot connect: {}", m.Where(), cec.message())};
  sock.set_option(asio::ip::tcp::no_delay(true));

  m.s = ssh_new();
  if (m.s == nullptr) co_return Error{"ssh: out of memory creating a session"};
  int no = 0;
  int yes = 1;
  int verbosity = SSH_LOG_NOLOG;
  socket_t native = sock.release();
  bool ok = ssh_options_set(m.s, SSH_OPTIONS_PROCESS_CONFIG, &no) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_HOST, m.ep.host.c_str()) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_PORT, &m.ep.port) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_KNOWNHOSTS, m.ep.known_hosts.c_str()) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, m.ep.known_hosts.c_str()) == 0 &&
            ssh_options_set(m.s, SSH_OPTIONS_NODELAY, &yes) == 0 &&
            (m.ep.user.empty() || ssh_options_set(m.s, SSH_OPTIONS_USER, m.ep.user.c_str()) == 0);
  if (ssh_options_set(m.s, SSH_OPTIONS_FD, &native) != 0) {
    ::close(native);
    ok = false;
  }
  if (!ok) co_return m.Fail("cannot set session options");
  ssh_set_blocking(m.s, 0);

  while (true) {
    int rc = ssh_connect(m.s);
    if (rc == SSH_OK) break;
    if (rc != SSH_AGAIN) co_return m.Fail("handshake failed");
    bool in_time = co_await m.WaitIo(deadline);
    if (!in_time) co_return m.Fail("handshake timed out");
  }

  // The host key, strictly: unknown or changed keys are refused unless trust on first use was
  // asked for (and then only for unknown keys).
  SshConnectInfo info;
  {
    ssh_key key = nullptr;
    unsigned char* hash = nullptr;
    std::size_t hlen = 0;
    if (ssh_get_server_publickey(m.s, &key) == SSH_OK &&
        ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
      char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
      if (fp != nullptr) info.fingerprint = fp;
      ssh_string_free_char(fp);
      ssh_clean_pubkey_hash(&hash);
    }
    ssh_key_free(key);
  }
  switch (ssh_session_is_known_server(m.s)) {
    case SSH_KNOWN_HOSTS_OK:
      break;
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
      if (!m.ep.accept_new_host_key) {
        co_return m.Fail(fmt::format(
            "host key {} is not in {}; refusing to connect (check the fingerprint with the "
            "host's owner and add it, or set accept_new_host_key = true to record it on first "
            "use)",
            info.fingerprint, m.ep.known_hosts));
      }
      if (ssh_session_update_known_hosts(m.s) != SSH_OK) {
        co_return m.Fail(
            fmt::format("cannot record host key {} in {}", info.fingerprint, m.ep.known_hosts));
      }
      info.host_key_recorded = true;
      break;
    case SSH_KNOWN_HOSTS_CHANGED:
      co_return m.Fail(fmt::format(
          "HOST KEY CHANGED: the server offers {}, which does not match {}; refusing to connect "
          "(possible man-in-the-middle, or the host was reinstalled)",
          info.fingerprint, m.ep.known_hosts));
    case SSH_KNOWN_HOSTS_OTHER:
      co_return m.Fail(fmt::format(
          "the server offers a key of another type ({}) than the one in {}; refusing to connect",
          info.fingerprint, m.ep.known_hosts));
    case SSH_KNOWN_HOSTS_ERROR:
      co_return m.Fail(fmt::format("cannot check the host key against {}", m.ep.known_hosts));
  }

  // Key authentication only; never a password prompt.
  ssh_key identity = nullptr;
  if (!m.ep.identity.empty() && ssh_pki_import_privkey_file(m.ep.identity.c_str(), nullptr, nullptr,
                                                            nullptr, &identity) != SSH_OK) {
    co_return m.Fail(
        fmt::format("cannot read the identity file {} (a key without a passphrase, "
                    "or use the agent)",
                    m.ep.identity));
  }
  int rc = SSH_AUTH_AGAIN;
  while (true) {
    rc = identity != nullptr ? ssh_userauth_publickey(m.s, nullptr, identity)
                             : ssh_userauth_agent(m.s, nullptr);
    if (rc != SSH_AUTH_AGAIN) break;
    bool in_time = co_await m.WaitIo(deadline);
    if (!in_time) break;
  }
  ssh_key_free(identity);
  if (rc == SSH_AUTH_AGAIN) co_return m.Fail("authentication timed out");
  if (rc != SSH_AUTH_SUCCESS) {
    co_return m.Fail(identity != nullptr || !m.ep.identity.empty()
                         ? fmt::format("the server refused the key {}", m.ep.identity)
                         : std::string("the server refused every key of the SSH agent"));
  }
  info_ = info;
  // The command shell is part of setting the session up: started here, within the connect's
  // time and the caller's fan-out (preflight), not by the first command, whose timeout would
  // pay for it. A host where it cannot start, or not in time, gets it (or a channel per
  // command) later.
  Expected<bool> shell = co_await m.OpenShell(deadline);
  if (!shell) co_return shell.error();
  co_return Status{};
}

asio::awaitable<Expected<CommandResult>> SshSession::Exec(std::string command, Duration timeout,
                                                          Gate gate) {
  auto self = shared_from_this();  // alive until the coroutine ends
  Status connected = co_await Connect();
  if (!connected) co_return connected.error();
  co_await Lock();
  struct Unlocker {
    SshSession* session;
    ~Unlocker() { session->Unlock(); }
  } unlock{this};
  Impl& m = *impl_;
  if (m.s == nullptr) co_return Error{fmt::format("ssh {}: not connected", m.Where())};
  const auto deadline = Clock::now() + timeout;

  CommandResult result;
  std::string announce;
  const bool gated = static_cast<bool>(gate);
  Expected<bool> shell = co_await m.OpenShell(deadline);
  if (!shell) co_return shell.error();
  if (!*shell && !m.shell_refused) {
    // The shell did not answer within the command's time: the command never started.
    result.timed_out = true;
    result.err = "the command shell on the host did not start in time";
    co_return result;
  }
  if (*shell) {
    Status st =
        co_await m.ShellRun(command, deadline, result, gated ? &gate : nullptr, timeout, &announce);
    if (!st) co_return st.error();
    co_return result;  // a timed-out command's group was killed by ShellRun
  }
  Status st = co_await m.RunChannel(Wrap(command, gated), deadline, result, gated ? &gate : nullptr,
                                    timeout, &announce);
  if (!st) co_return st.error();
  // The wrapper's first stderr line is its process group; it is not the command's output.
  if (!gated && result.err.rfind(kAnnouncePrefix, 0) == 0 && !TakeFirstLine(result.err, announce)) {
    announce = std::exchange(result.err, "");
  }
  const std::optional<AnnounceLine> wrapper = ParseAnnounceLine(announce);
  if (result.timed_out && wrapper) {
    CommandResult killed;
    // pkill -g signals a process group in any shell (dash's kill builtin takes no `--`). Best
    // effort: the command has already failed (timed out), which is what is reported.
    [[maybe_unused]] Status killed_status = co_await m.RunChannel(
        fmt::format("pkill -TERM -g {0}; sleep 1; pkill -KILL -g {0}; true", wrapper->pgid),
        Clock::now() + std::chrono::seconds(5), killed);
  }
  co_return result;
}

}  // namespace firedrill
