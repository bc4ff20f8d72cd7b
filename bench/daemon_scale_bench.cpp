// daemon_scale_bench FIREDRILL [N] [--idle SECONDS] [--runs R] [--dir DIR]: a daemon holding N
// scheduled drills (default 10,000).
//
// Schedules N drills in a fresh state directory the way `firedrill schedule` does (ScheduleDrill:
// load and check the drill text, the overlap check, the calendar invite, one durable transaction
// each), one-hour windows back to back from two days ahead (10,000 of them span about 14
// months), all on local targets so that every overlap check has work to do; it times every call.
// Then it starts `firedrill serve` on that directory (FIREDRILL: the binary to measure, also
// taken from the FIREDRILL environment variable) and measures the time until control.json
// appears, twice: the first start, which marks every new schedule's notice as sent, and a
// restart. Then the daemon's RSS, its context switches (every thread) and CPU time over SECONDS
// of idling (default 60), and the wall clock of R (default 20) whole `firedrill list` and
// `firedrill list --json` processes, with the daemon serving and after it has stopped.
// Goals: `firedrill list` <= 100 ms; no wake-ups while idle. Works in a temporary directory that
// is removed at the end, or in DIR, kept and reused when it already holds schedules.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/schedule_table.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace firedrill;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultDrills = 10'000;
constexpr int kServices = 40;
constexpr double kListGoalMs = 100;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string DrillText(const std::string& id, const std::string& service, SysTime start) {
  return fmt::format(R"(# Drill: {1}'s web process stops during its service window.
id = "{0}"
title = "{1} loses its web process"
service = "{1}"
owner = "{1} lead <{1}-lead@example.com>"
playbook = "https://wiki.example.com/runbooks/{1}/web-down"
hypothesis = "The {1}Down alert pages on-call within 5 minutes; {1} is back within 15."

[objectives]
detect_within = "5m"
recover_within = "15m"

[window]
start = {2}
end = {3}
zone = "Europe/Copenhagen"

[announce]
lead = "24h"
attendees = ["{1}-team@example.com"]

[detection]
match = {{ alertname = "{1}Down" }}

[targets.web]
local = true

[[faults]]
id = "stop-web"
kind = "command"
target = "web"
inject = "systemctl stop {1}-web"
check = "! systemctl is-active --quiet {1}-web"
restore = "systemctl start {1}-web"
)",
                     id, service, FormatUtc(start), FormatUtc(start + 1h));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The machine's CPU time so far (all cores, in ticks) and the part of it the hypervisor stole.
std::pair<long, long> CpuTicks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  long total = 0, steal = 0;
  for (int i = 0; i < 8; ++i) {
    long v = 0;
    in >> v;
    total += v;
    if (i == 7) steal = v;
  }
  return {total, steal};
}

// The share of CPU time stolen since `from`, in percent.
double StealSince(std::pair<long, long> from) {
  auto [total, steal] = CpuTicks();
  return 100.0 * static_cast<double>(steal - from.second) /
         static_cast<double>(std::max(total - from.first, 1L));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

// Schedules N drills; prints the throughput. False on the first failure.
bool Populate(const fs::path& state, int n) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(stderr, "{}\n", db.error().ToString());
    return false;
  }
  SysTime base = std::chrono::floor<std::chrono::hours>(NowUtc()) + 48h;
  std::vector<double> calls;
  calls.reserve(static_cast<std::size_t>(n));
  auto ticks = CpuTicks();
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    std::string service = fmt::format("svc{:02}", i % kServices);
    std::string id = fmt::format("{}-web-down-{:05}", service, i);
    std::string file = fmt::format("drills/{}.toml", id);
    auto t = Clock::now();
    auto done = ScheduleDrill(
        *db, state,
        ScheduleRequest{file, DrillText(id, service, base + i * 1h), "bench", "", NowUtc()});
    calls.push_back(Ms(Clock::now() - t));
    if (!done) {
      fmt::print(stderr, "scheduling {} failed: {}\n", id, done.error().message);
      return false;
    }
  }
  double total = Ms(Clock::now() - t0) / 1000;
  auto rate = [&](std::size_t from, std::size_t to) {
    double ms = 0;
    for (std::size_t i = from; i < to; ++i) ms += calls[i];
    return static_cast<double>(to - from) / (ms / 1000);
  };
  std::size_t tenth = std::max<std::size_t>(calls.size() / 10, 1);
  fmt::print(
      "scheduled {} drills (ScheduleDrill, one durable transaction and one invite file each) in "
      "{:.1f} s: {:.0f} drills/s; first {}: {:.0f}/s, last {}: {:.0f}/s; per call median "
      "{:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
      n, total, n / total, tenth, rate(0, tenth), tenth, rate(calls.size() - tenth, calls.size()),
      Percentile(calls, 0.5), Percentile(calls, 0.99), Percentile(calls, 1.0));
  fmt::print("  (load average {} at the end, CPU stolen by the hypervisor meanwhile {:.0f}%)\n",
             LoadAverage(), StealSince(ticks));
  std::fflush(stdout);
  return true;
}

// Starts `argv` with stdout and stderr to `out`; returns its pid, or -1.
pid_t Spawn(const std::vector<std::string>& args, const fs::path& out) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    fmt::print(stderr, "cannot start {}: {}\n", args[0], std::strerror(rc));
    return -1;
  }
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The value of `key` (e.g. "VmRSS:") in /proc/PID/status, in kB.
long StatusKb(pid_t pid, std::string_view key) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key)) return std::atol(line.c_str() + key.size());
  }
  return -1;
}

// Voluntary + involuntary context switches of every thread of `pid`.
long ContextSwitches(pid_t pid) {
  long total = 0;
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid))) {
    std::ifstream in(task.path() / "status");
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("voluntary_ctxt_switches:") ||
          line.starts_with("nonvoluntary_ctxt_switches:")) {
        total += std::atol(line.substr(line.find(':') + 1).c_str());
      }
    }
  }
  return total;
}

// User + system CPU time of `pid`, all threads, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::atol(f.c_str());
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Serving {
  pid_t pid = -1;
  double startup_ms = 0;
};

// The daemon's "serving ..." line.
std::string FirstLine(const fs::path& log) {
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);
  return line;
}

// Starts `firedrill serve` and waits until control.json names it.
std::optional<Serving> StartDaemon(const std::string& firedrill, const fs::path& state,
                                   const fs::path& log) {
  Serving s;
  auto t = Clock::now();
  s.pid = Spawn({firedrill, "serve", "--state", state.string()}, log);
  if (s.pid < 0) return std::nullopt;
  while (true) {
    if (auto e = LoadControlFile(state / "control.json"); e && e->pid == s.pid) break;
    int status = 0;
    bool exited = waitpid(s.pid, &status, WNOHANG) == s.pid;
    if (exited || Clock::now() - t > 600s) {
      if (!exited) {
        kill(s.pid, SIGTERM);
        WaitExit(s.pid);
      }
      fmt::print(stderr, "firedrill serve did not start; see {}\n", log.string());
      return std::nullopt;
    }
    std::this_thread::sleep_for(1ms);
  }
  s.startup_ms = Ms(Clock::now() - t);
  return s;
}

double StopDaemon(pid_t pid, int& exit) {
  auto t = Clock::now();
  kill(pid, SIGTERM);
  exit = WaitExit(pid);
  return Ms(Clock::now() - t);
}

struct Timings {
  std::vector<double> ms;
  bool ok = true;
};

// Runs `firedrill ARGS` `runs` times, each as a whole process; checks that the first listed
// `expected` schedules.
Timings TimeCli(const std::string& firedrill, const std::vector<std::string>& args, int runs,
                const fs::path& out, int expected, bool json_out) {
  Timings t;
  std::vector<std::string> argv{firedrill};
  argv.insert(argv.end(), args.begin(), args.end());
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    pid_t pid = Spawn(argv, out);
    int exit = pid < 0 ? -1 : WaitExit(pid);
    t.ms.push_back(Ms(Clock::now() - start));
    if (exit != 0) {
      fmt::print(stderr, "firedrill {} exited {}; see {}\n", fmt::join(args, " "), exit,
                 out.string());
      t.ok = false;
      return t;
    }
    if (i > 0) continue;
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    long listed = 0;
    if (json_out) {
      boost::system::error_code ec;
      json::value v = json::parse(text, ec);
      if (!ec && v.is_object() && v.as_object().contains("schedules")) {
        listed = static_cast<long>(v.at("schedules").as_array().size());
      }
    } else {
      listed = std::count(text.begin(), text.end(), '\n') - 1;  // less the header
    }
    if (listed != expected) {
      fmt::print(stderr, "firedrill {} listed {} drills, not {}\n", fmt::join(args, " "), listed,
                 expected);
      t.ok = false;
      return t;
    }
  }
  return t;
}

std::string Row(const std::string& what, const std::string& figure, const std::string& goal) {
  return fmt::format("| {} | {} | {} |\n", what, figure, goal);
}

std::string ListRow(const std::string& what, const Timings& t) {
  double median = Percentile(t.ms, 0.5), max = Percentile(t.ms, 1.0);
  return Row(what,
             fmt::format("median {:.1f} ms, max {:.1f} ms ({} runs)", median, max, t.ms.size()),
             fmt::format("≤ {:.0f} ms: {}", kListGoalMs, median <= kListGoalMs ? "met" : "MISSED"));
}

}  // namespace

int main(int argc, char** argv) {
  int drills = kDefaultDrills;
  int idle_seconds = 60;
  int runs = 20;
  std::optional<fs::path> keep;
  std::string firedrill = std::getenv("FIREDRILL") != nullptr ? std::getenv("FIREDRILL") : "";
  bool have_n = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto number = [&](int& v) {
      return i + 1 < argc &&
             std::from_chars(argv[i + 1], argv[i + 1] + std::strlen(argv[i + 1]), v).ec ==
                 std::errc() &&
             v > 0 && (++i, true);
    };
    if (a == "--dir" && i + 1 < argc) {
      keep = argv[++i];
    } else if (a == "--idle" ? number(idle_seconds) : a == "--runs" ? number(runs) : false) {
      continue;
    } else if (!a.starts_with("-") && firedrill.empty()) {
      firedrill = std::string(a);
    } else if (!have_n &&
               std::from_chars(a.data(), a.data() + a.size(), drills).ec == std::errc() &&
               drills > 0) {
      have_n = true;
    } else {
      firedrill.clear();
      break;
    }
  }
  if (firedrill.empty()) {
    fmt::print(stderr,
               "usage: daemon_scale_bench FIREDRILL [N] [--idle SECONDS] [--runs R] [--dir DIR]\n"
               "  FIREDRILL: the firedrill binary to measure (or the FIREDRILL environment "
               "variable)\n");
    return 2;
  }
  firedrill = fs::absolute(firedrill).string();
  {
    std::ifstream load("/proc/loadavg");
    std::string a, b, c;
    load >> a >> b >> c;
    fmt::print("{} cores, load average {} {} {} at the start\n",
               std::thread::hardware_concurrency(), a, b, c);
  }
  fs::path dir =
      keep ? *keep : fs::temp_directory_path() / fmt::format("daemon_scale_bench.{}", getpid());
  fs::path state = dir / "state";
  fs::create_directories(dir);
  if (keep && fs::exists(state / Database::kFileName)) {
    auto db = Database::Open(state, OpenMode::kReadOnly);
    auto held =
        db ? ScheduleTable(*db).Listing() : Expected<std::vector<ScheduleListing>>(db.error());
    if (!held) {
      fmt::print(stderr, "{}\n", held.error().message);
      return 1;
    }
    drills = static_cast<int>(held->size());
    fmt::print("using the {} schedules already in {}\n", drills, state.string());
  } else if (!Populate(state, drills)) {
    return 1;
  }
  std::string table = "| What | Figure | Goal |\n|---|---|---|\n";
  int exit = 0;

  auto first = StartDaemon(firedrill, state, dir / "serve-1.log");
  if (!first) return 1;
  fmt::print("first start: control.json after {:.0f} ms\n", first->startup_ms);
  table += Row("`firedrill serve` first start (every new schedule's notice marked sent)",
               fmt::format("{:.0f} ms until control.json", first->startup_ms), "—");
  double stop_ms = StopDaemon(first->pid, exit);
  fmt::print("  {}\n", FirstLine(dir / "serve-1.log"));
  if (exit != 0) {
    fmt::print(stderr, "firedrill serve exited {}\n", exit);
    return 1;
  }
  auto serve = StartDaemon(firedrill, state, dir / "serve-2.log");
  if (!serve) return 1;
  fmt::print("restart: control.json after {:.0f} ms (the first one stopped in {:.0f} ms)\n",
             serve->startup_ms, stop_ms);
  table += Row("`firedrill serve` restart",
               fmt::format("{:.0f} ms until control.json", serve->startup_ms), "—");
  std::fflush(stdout);

  std::this_thread::sleep_for(1s);  // let start-up settle
  long rss = StatusKb(serve->pid, "VmRSS:");
  long hwm = StatusKb(serve->pid, "VmHWM:");
  long threads = StatusKb(serve->pid, "Threads:");
  fmt::print("RSS {:.1f} MiB (peak {:.1f} MiB), {} thread{}\n", rss / 1024.0, hwm / 1024.0, threads,
             threads == 1 ? "" : "s");
  table += Row(fmt::format("RSS after start ({} thread{})", threads, threads == 1 ? "" : "s"),
               fmt::format("{:.1f} MiB (VmHWM {:.1f} MiB)", rss / 1024.0, hwm / 1024.0), "—");

  long switches = ContextSwitches(serve->pid);
  double cpu = CpuSeconds(serve->pid);
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  switches = ContextSwitches(serve->pid) - switches;
  cpu = CpuSeconds(serve->pid) - cpu;
  double per_minute = static_cast<double>(switches) * 60.0 / idle_seconds;
  fmt::print("idle {} s: {} context switches ({:.1f} per minute), {:.2f} s CPU\n", idle_seconds,
             switches, per_minute, cpu);
  table +=
      Row(fmt::format("wake-ups while idle ({} s), every thread", idle_seconds),
          fmt::format("{} context switches ({:.1f}/min), {:.2f} s CPU", switches, per_minute, cpu),
          fmt::format("~0: {}", per_minute < 1 ? "met" : "MISSED"));

  // The API call alone, in this process: the daemon's share of `firedrill list`.
  std::vector<double> api;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    auto r = SendControl(state, "GET", "/v1/drills", "", 30s);
    api.push_back(Ms(Clock::now() - t));
    if (!r || r->status != 200) {
      fmt::print(stderr, "GET /v1/drills failed\n");
      StopDaemon(serve->pid, exit);
      return 1;
    }
  }
  fmt::print("GET /v1/drills round trip: median {:.1f} ms, max {:.1f} ms\n", Percentile(api, 0.5),
             Percentile(api, 1.0));
  table += Row(
      "`GET /v1/drills` round trip (in-process client)",
      fmt::format("median {:.1f} ms, max {:.1f} ms", Percentile(api, 0.5), Percentile(api, 1.0)),
      "—");

  auto ticks = CpuTicks();
  fs::path out = dir / "list.out";
  std::vector<std::string> list{"list", "--state", state.string()};
  std::vector<std::string> list_json{"list", "--json", "--state", state.string()};
  Timings served = TimeCli(firedrill, list, runs, out, drills, false);
  Timings served_json = TimeCli(firedrill, list_json, runs, out, drills, true);
  long rss_after = StatusKb(serve->pid, "VmRSS:");
  double stopped_in = StopDaemon(serve->pid, exit);
  if (exit != 0) fmt::print(stderr, "firedrill serve exited {}\n", exit);
  fmt::print("after the lists the daemon's RSS was {:.1f} MiB; it stopped in {:.0f} ms\n",
             rss_after / 1024.0, stopped_in);
  Timings direct = TimeCli(firedrill, list, runs, out, drills, false);
  Timings direct_json = TimeCli(firedrill, list_json, runs, out, drills, true);
  if (!served.ok || !served_json.ok || !direct.ok || !direct_json.ok) return 1;
  fmt::print("while listing: load average {}, CPU stolen by the hypervisor {:.0f}%\n",
             LoadAverage(), StealSince(ticks));
  table += ListRow("`firedrill list`, daemon serving", served);
  table += ListRow("`firedrill list --json`, daemon serving", served_json);
  table += ListRow("`firedrill list`, no daemon", direct);
  table += ListRow("`firedrill list --json`, no daemon", direct_json);

  fmt::print("\n{} scheduled drills:\n\n{}", drills, table);
  if (!keep) fs::remove_all(dir);
  return exit == 0 ? 0 : 1;
}
