#include "faults/latency_proxy_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "faults/host_port.h"
#include "faults/latency_proxy.h"
#include "faults/process_lookup.h"
#include "faults/process_selector.h"
#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

using Clock = std::chrono::steady_clock;

constexpr Duration kCommandTimeout = std::chrono::seconds(10);
// `proxy --check` waits up to 5 s for the upstream to answer.
constexpr Duration kCheckTimeout = std::chrono::seconds(15);
// How long the proxy gets to listen after being started, and to go after each signal.
constexpr Duration kStartWait = std::chrono::seconds(5);
constexpr Duration kTermWait = std::chrono::seconds(2);
constexpr Duration kKillWait = std::chrono::seconds(3);
constexpr Duration kPollInterval = std::chrono::milliseconds(50);

std::mutex program_mutex;
std::string program_override;  // guarded by program_mutex

struct ProxyState {
  std::string program;
  std::string listen;
  std::string upstream;
  std::string args;
  std::string pid_file;
  std::string log_file;
  int port = 0;  // of `listen`
};

Expected<ProxyState> ReadState(const std::string& text) {
  Expected<boost::json::object> object = ParseState(text);
  if (!object) return object.error();
  ProxyState state;
  const std::pair<const char*, std::string*> fields[] = {
      {"program", &state.program}, {"listen", &state.listen},     {"upstream", &state.upstream},
      {"args", &state.args},       {"pid_file", &state.pid_file}, {"log_file", &state.log_file}};
  for (auto [key, field] : fields) {
    Expected<std::string> value = StateString(*object, key);
    if (!value) return value.error();
    *field = *std::move(value);
  }
  Expected<HostPort> listen = ParseHostPort(state.listen);
  if (!listen) return Error(fmt::format("fault state: listen: {}", listen.error().message));
  state.port = listen->port;
  return state;
}

std::string FirstLine(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  text = text.substr(start);
  return std::string(text.substr(0, text.find('\n')));
}

// Returns who listens on `port` as `ss -ltnp` tells it ("held by python3 (pid 4242)"), or ""
// when ss is missing or shows no listener.
asio::awaitable<std::string> ListenHolder(CommandRunner& runner, int port) {
  Expected<CommandResult> listed =
      co_await runner.Run(fmt::format("ss -ltnpH 'sport = :{}'", port), kCommandTimeout);
  if (!listed || !listed->ok() || FirstLine(listed->out).empty()) co_return "";
  // Each process shows as ("name",pid=123,fd=4) inside users:(...).
  std::vector<std::string> holders;
  const std::string& out = listed->out;
  for (std::size_t at = out.find("(\""); at != std::string::npos; at = out.find("(\"", at + 1)) {
    const std::size_t name_end = out.find('"', at + 2);
    const std::size_t pid_at = out.find("pid=", at);
    if (name_end == std::string::npos || pid_at == std::string::npos) break;
    const std::string name = out.substr(at + 2, name_end - at - 2);
    const std::size_t digits = out.find_first_not_of("0123456789", pid_at + 4);
    const std::string pid = out.substr(pid_at + 4, digits - pid_at - 4);
    std::string holder = fmt::format("{} (pid {})", name, pid);
    if (std::find(holders.begin(), holders.end(), holder) == holders.end()) {
      holders.push_back(std::move(holder));
    }
  }
  if (holders.empty()) {
    co_return fmt::format("port {} is held by a process ss cannot name (another user's?)", port);
  }
  std::string text = "held by ";
  for (std::size_t i = 0; i < holders.size(); ++i) text += (i == 0 ? "" : ", ") + holders[i];
  co_return text;
}

// Returns the last lines of the proxy's log, for error messages.
asio::awaitable<std::string> LogTail(CommandRunner& runner, const std::string& log_file) {
  Expected<CommandResult> tail =
      co_await runner.Run("tail -n 5 -- " + ShellQuote(log_file) + " 2>/dev/null", kCommandTimeout);
  std::string text;
  if (tail && tail->ok()) {
    std::string_view out = tail->out;
    while (!out.empty()) {
      const std::size_t end = out.find('\n');
      const std::string line = FirstLine(out.substr(0, end));
      if (!line.empty()) text += (text.empty() ? "" : " | ") + line;
      out = end == std::string_view::npos ? std::string_view() : out.substr(end + 1);
    }
  }
  if (text.empty()) co_return fmt::format("its log {} is empty", log_file);
  co_return fmt::format("its log {} says: {}", log_file, text);
}

// Returns this fault's proxy process (none or one): the process in the pid file, if its command
// line holds that pid file's path. The path holds a fresh token, so a pid reused by another
// process never matches.
asio::awaitable<Expected<std::vector<ProcessInfo>>> FindProxy(CommandRunner& runner,
                                                              const ProxyState& state) {
  ProcessSelector selector;
  selector.match = ProcessMatch::kPidfile;
  selector.value = state.pid_file;
  Expected<std::vector<ProcessInfo>> found =
      co_await FindProcesses(runner, selector, PidfileMode::kMayBeGone);
  if (!found) co_return found;
  const std::string marker = "--pid-file " + state.pid_file;
  std::vector<ProcessInfo> proxy;
  for (ProcessInfo& process : *found) {
    if (process.cmdline.find(marker) != std::string::npos) proxy.push_back(std::move(process));
  }
  co_return proxy;
}

// Returns true iff process `pid` holds a socket listening on TCP `port` (IPv4 or IPv6), as its
// own network namespace's /proc/PID/net/tcp{,6} and its /proc/PID/fd tell.
asio::awaitable<Expected<bool>> Listening(CommandRunner& runner, long pid, int port) {
  const std::string script = fmt::format(
      R"(p={}
inodes=$(ls -l /proc/$p/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ')
[ -n "$inodes" ] || exit 1
files=
for t in tcp tcp6; do [ -r /proc/$p/net/$t ] && files="$files /proc/$p/net/$t"; done
[ -n "$files" ] || exit 1
awk -v port={:04X} -v inodes="$inodes" '
  BEGIN {{ n = split(inodes, list, " "); for (i = 1; i <= n; i++) want[list[i]] = 1 }}
  $4 == "0A" && toupper(substr($2, length($2) - 3)) == port && ($10 in want) {{ found = 1 }}
  END {{ exit found ? 0 : 1 }}' $files
)",
      pid, port);
  Expected<CommandResult> result = co_await runner.Run(script, kCommandTimeout);
  if (!result)
    co_return Error(fmt::format("checking the proxy's socket: {}", result.error().message));
  if (result->ok()) co_return true;
  if (!result->timed_out && result->exit_code == 1) co_return false;
  co_return Error(
      fmt::format("checking the proxy's socket: {}", SummarizeFailure(*result, kCommandTimeout)));
}

// Returns true iff `pid` exists and is not a zombie.
asio::awaitable<Expected<bool>> Alive(CommandRunner& runner, long pid) {
  const std::string script = fmt::format(
      "s=$(cat /proc/{}/stat 2>/dev/null) || exit 1\n"
      "case \"${{s##*) }}\" in Z*|X*) exit 1;; esac",
      pid);
  Expected<CommandResult> result = co_await runner.Run(script, kCommandTimeout);
  if (!result) co_return result.error();
  co_return result->ok();
}

// Sends SIGTERM to `proxy`, then SIGKILL if it is still there after kTermWait, and waits until it
// is gone.
asio::awaitable<Status> StopProxy(CommandRunner& runner, const std::vector<ProcessInfo>& proxy) {
  const std::pair<const char*, Duration> steps[] = {{"TERM", kTermWait}, {"KILL", kKillWait}};
  for (auto [signal, wait] : steps) {
    Status sent = co_await SignalProcesses(runner, proxy, signal);
    if (!sent.ok()) co_return sent;
    const auto deadline = Clock::now() + wait;
    while (true) {
      Expected<std::vector<ProcessInfo>> alive = co_await StillAlive(runner, proxy);
      if (!alive) co_return alive.error();
      if (alive->empty()) co_return Status::Ok();
      if (Clock::now() >= deadline) break;
      co_await SleepFor(kPollInterval);
    }
  }
  co_return Error(
      fmt::format("the proxy ({}) is still running after SIGKILL", DescribePids(proxy)));
}

class LatencyProxyFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const LatencyProxyParams*> params = ParamsOf<LatencyProxyParams>(ctx);
    if (!params) co_return params.error();
    const LatencyProxyParams& p = **params;
    Expected<std::string> program = ProxyExecutable();
    if (!program) co_return program.error();
    Expected<CommandResult> found = co_await ctx.runner.Run(
        "test -f " + ShellQuote(*program) + " && test -x " + ShellQuote(*program), kCommandTimeout);
    if (!found) co_return found.error();
    if (!found->ok()) {
      co_return Error(fmt::format("the proxy program {} is not an executable file on target {}",
                                  *program, ctx.runner.Describe()));
    }
    const std::string addresses =
        fmt::format("--listen {} --upstream {}", ShellQuote(p.listen.ToString()),
                    ShellQuote(p.upstream.ToString()));
    Expected<CommandResult> checked = co_await ctx.runner.Run(
        fmt::format("{} proxy --check {}", ShellQuote(*program), addresses), kCheckTimeout);
    if (!checked) co_return Error(fmt::format("checking the proxy: {}", checked.error().message));
    if (!checked->ok()) {
      std::string reason = FirstLine(checked->err);
      constexpr std::string_view kPrefix = "firedrill proxy: ";
      if (reason.starts_with(kPrefix)) reason.erase(0, kPrefix.size());
      if (reason.empty() || checked->timed_out) {
        reason = "proxy --check: " + SummarizeFailure(*checked, kCheckTimeout);
      }
      const std::string holder = co_await ListenHolder(ctx.runner, p.listen.port);
      co_return Error(holder.empty() ? reason : fmt::format("{}; {}", reason, holder));
    }
    Expected<CommandResult> temp = co_await RunChecked(
        ctx.runner, "printf '%s' \"${TMPDIR:-/tmp}\"", kCommandTimeout, "finding the temp dir");
    if (!temp) co_return temp.error();
    // The token keeps a re-run of the same drill apart from an earlier run's leftovers, and makes
    // the pid file's path (which the proxy's command line holds) unique.
    const std::string base = fmt::format("firedrill-proxy-{}-{}-{}", SanitizeName(ctx.drill_id),
                                         SanitizeName(ctx.spec.id), RandomHex().substr(0, 8));
    const std::filesystem::path dir = temp->out.empty() ? "/tmp" : temp->out;
    std::random_device random;
    const std::uint64_t seed = (static_cast<std::uint64_t>(random()) << 32) | random();
    boost::json::object state;
    state["program"] = *program;
    state["listen"] = p.listen.ToString();
    state["upstream"] = p.upstream.ToString();
    state["args"] =
        fmt::format("{} --latency {} --jitter {} --reset-probability {} --seed {}", addresses,
                    FormatDuration(p.latency), FormatDuration(p.jitter), p.reset_probability, seed);
    state["pid_file"] = (dir / (base + ".pid")).string();
    state["log_file"] = (dir / (base + ".log")).string();
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state_text) override {
    Expected<ProxyState> state = ReadState(state_text);
    if (!state) co_return state.error();
    // setsid: a session of its own, so the runner's clean-up of its command's process group does
    // not reach the proxy.
    const std::string command =
        fmt::format("setsid {} proxy {} --pid-file {} >{} 2>&1 </dev/null & echo $!",
                    ShellQuote(state->program), state->args, ShellQuote(state->pid_file),
                    ShellQuote(state->log_file));
    Expected<CommandResult> started = co_await RunChecked(ctx.runner, command, kCommandTimeout,
                                                          "starting the proxy", ctx.inject_hooks);
    if (!started) co_return started.error();
    long launched = 0;
    const std::string pid_text = FirstLine(started->out);
    (void)std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), launched);
    const auto deadline = Clock::now() + kStartWait;
    while (true) {
      Expected<std::vector<ProcessInfo>> proxy = co_await FindProxy(ctx.runner, *state);
      if (!proxy) co_return proxy.error();
      if (!proxy->empty()) {
        Expected<bool> listening = co_await Listening(ctx.runner, proxy->front().pid, state->port);
        if (!listening) co_return listening.error();
        if (*listening) co_return Status::Ok();
      } else if (launched > 0) {
        Expected<bool> alive = co_await Alive(ctx.runner, launched);
        if (!alive) co_return alive.error();
        if (!*alive) {
          const std::string log = co_await LogTail(ctx.runner, state->log_file);
          co_return Error(fmt::format("the proxy exited at once; {}", log));
        }
      }
      if (Clock::now() >= deadline) {
        // Leave nothing half started behind: the engine may not restore a failed injection.
        if (!proxy->empty()) {
          (void)co_await StopProxy(ctx.runner, *proxy);
        } else if (launched > 0) {
          (void)co_await ctx.runner.Run(fmt::format("kill -s KILL {} 2>/dev/null", launched),
                                        kCommandTimeout);
        }
        const std::string log = co_await LogTail(ctx.runner, state->log_file);
        co_return Error(fmt::format("the proxy did not listen on {} within {}; {}", state->listen,
                                    FormatDuration(kStartWait), log));
      }
      co_await SleepFor(kPollInterval);
    }
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state_text) override {
    Expected<ProxyState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<std::vector<ProcessInfo>> proxy = co_await FindProxy(ctx.runner, *state);
    if (!proxy) co_return proxy.error();
    if (proxy->empty()) co_return false;
    co_return co_await Listening(ctx.runner, proxy->front().pid, state->port);
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state_text) override {
    Expected<ProxyState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<std::vector<ProcessInfo>> proxy = co_await FindProxy(ctx.runner, *state);
    if (!proxy) co_return proxy.error();
    if (!proxy->empty()) {
      Status stopped = co_await StopProxy(ctx.runner, *proxy);
      if (!stopped.ok()) co_return stopped;
    }
    // The proxy removes its pid file when it stops on SIGTERM, not when it is killed.
    Expected<CommandResult> removed =
        co_await RunChecked(ctx.runner, "rm -f -- " + ShellQuote(state->pid_file), kCommandTimeout,
                            "removing the proxy's pid file");
    if (!removed) co_return removed.error();
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& /*ctx*/, const std::string& state_text) override {
    Expected<ProxyState> state = ReadState(state_text);
    if (!state) return "ps -eo pid,args | grep '[p]roxy --listen'  # then: kill -s TERM PID";
    return fmt::format("kill -s TERM \"$(cat {})\"  # stops the proxy on {} (its log: {})",
                       ShellQuote(state->pid_file), state->listen, state->log_file);
  }
};

}  // namespace

void SetProxyExecutable(std::string path) {
  std::lock_guard<std::mutex> lock(program_mutex);
  program_override = std::move(path);
}

Expected<std::string> ProxyExecutable() {
  {
    std::lock_guard<std::mutex> lock(program_mutex);
    if (!program_override.empty()) return program_override;
  }
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return Error(
        fmt::format("cannot find the firedrill program (/proc/self/exe): {}", ec.message()));
  return self.string();
}

std::unique_ptr<Fault> MakeLatencyProxyFault() { return std::make_unique<LatencyProxyFault>(); }

}  // namespace firedrill
