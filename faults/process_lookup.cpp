#include "faults/process_lookup.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "faults/runtime_support.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;

// Prints one record per pid in $pids that has a /proc entry: "P pid", "S stat", "C cmdline",
// "W cwd". Newlines inside values become spaces so every field stays on its line. 2>/dev/null
// comes before the redirection it silences because redirections apply left to right.
constexpr char kInspectLoop[] = R"(for p in $pids; do
  case "$p" in *[!0-9]*|'') continue;; esac
  [ "$p" = "$$" ] && continue
  s=$(tr '\n' ' ' 2>/dev/null < /proc/$p/stat) || continue
  c=$(tr '\0\n' '  ' 2>/dev/null < /proc/$p/cmdline)
  w=$(readlink /proc/$p/cwd 2>/dev/null)
  printf 'P %s\nS %s\nC %s\nW %s\n' "$p" "$s" "$c" "$w"
done
)";

constexpr char kNeedPgrep[] =
    "command -v pgrep >/dev/null 2>&1 || "
    "{ echo 'pgrep is not installed on the target (Debian: procps)' >&2; exit 127; }\n";

// Escapes `text` for a POSIX extended regex matching it literally. With `hide_self`, its first
// letter or digit is written as a bracket expression ("[w]eb"): the regex still matches "web",
// but the command line carrying the regex no longer contains "web", so neither the searching
// shell nor its parents (an SSH session) match themselves.
std::string LiteralRegex(std::string_view text, bool hide_self) {
  std::string regex;
  bool hidden = !hide_self;
  for (char c : text) {
    if (!hidden && std::isalnum(static_cast<unsigned char>(c))) {
      regex += fmt::format("[{}]", c);
      hidden = true;
      continue;
    }
    if (c != '\0' && std::strchr(".[()*+?{|^$\\", c) != nullptr) regex += '\\';
    regex += c;
  }
  return regex;
}

std::string PidWords(const std::vector<ProcessInfo>& processes) {
  std::string words;
  for (const ProcessInfo& p : processes)
    words += fmt::format("{}{}", words.empty() ? "" : " ", p.pid);
  return words;
}

std::optional<long> ParsePid(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  long pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0) return std::nullopt;
  return pid;
}

// Fills state and start time from a /proc/PID/stat line. The name in parentheses may itself
// hold spaces and ')', so fields are counted after the last ')'.
bool ParseStat(std::string_view stat, ProcessInfo& info) {
  const std::size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos) return false;
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(paren + 1);
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest = rest.substr(start);
    const std::size_t end = rest.find(' ');
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  // fields[0] is stat field 3 (state), so field 22 (starttime) is fields[19].
  if (fields.size() < 20 || fields[0].size() != 1) return false;
  info.state = fields[0][0];
  info.start_time = std::string(fields[19]);
  return true;
}

std::string TrimRight(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Parses the records kInspectLoop printed; drops zombies and records it could not read.
std::vector<ProcessInfo> ParseRecords(std::string_view out) {
  std::vector<ProcessInfo> processes;
  // A plain value and flags rather than std::optional: GCC 12 warns falsely about the latter.
  ProcessInfo current;
  bool have_pid = false;
  bool stat_ok = false;
  auto flush = [&] {
    if (have_pid && stat_ok && current.state != 'Z' && current.state != 'X') {
      processes.push_back(std::move(current));
    }
    current = ProcessInfo();
    have_pid = false;
    stat_ok = false;
  };
  while (!out.empty()) {
    const std::size_t end = out.find('\n');
    std::string_view line = out.substr(0, end);
    out = end == std::string_view::npos ? std::string_view() : out.substr(end + 1);
    if (line.size() < 2 || line[1] != ' ') continue;
    const std::string_view value = line.substr(2);
    if (line[0] == 'P') {
      flush();
      if (std::optional<long> pid = ParsePid(value)) {
        current.pid = *pid;
        have_pid = true;
      }
    } else if (!have_pid) {
      continue;
    } else if (line[0] == 'S') {
      stat_ok = ParseStat(value, current);
    } else if (line[0] == 'C') {
      current.cmdline = TrimRight(std::string(value));
    } else if (line[0] == 'W') {
      current.cwd = std::string(value);
    }
  }
  flush();
  return processes;
}

asio::awaitable<Expected<std::vector<ProcessInfo>>> Inspect(CommandRunner& runner,
                                                            std::string find_pids,
                                                            std::string what) {
  Expected<CommandResult> result =
      co_await RunChecked(runner, find_pids + kInspectLoop, kProcessCommandTimeout, what);
  if (!result) co_return result.error();
  co_return ParseRecords(result->out);
}

}  // namespace

asio::awaitable<Expected<std::vector<ProcessInfo>>> FindProcesses(CommandRunner& runner,
                                                                  ProcessSelector selector,
                                                                  PidfileMode mode) {
  std::string find_pids;
  switch (selector.match) {
    case ProcessMatch::kPidfile: {
      Expected<CommandResult> read =
          co_await runner.Run("cat -- " + ShellQuote(selector.value), kProcessCommandTimeout);
      if (!read) co_return read.error();
      std::optional<long> pid = read->ok() ? ParsePid(read->out) : std::nullopt;
      if (!pid) {
        if (mode == PidfileMode::kMayBeGone) co_return std::vector<ProcessInfo>{};
        if (!read->ok()) {
          co_return Error(fmt::format("cannot read pidfile {}: {}", selector.value,
                                      SummarizeFailure(*read, kProcessCommandTimeout)));
        }
        co_return Error(fmt::format("pidfile {} does not hold a process ID", selector.value));
      }
      find_pids = fmt::format("pids={}\n", *pid);
      break;
    }
    case ProcessMatch::kName:
      find_pids = fmt::format("{}pids=$(pgrep -x -- {}); rc=$?; [ $rc -le 1 ] || exit $rc\n",
                              kNeedPgrep, ShellQuote(LiteralRegex(selector.value, false)));
      break;
    case ProcessMatch::kCmdline:
      find_pids = fmt::format("{}pids=$(pgrep -f -- {}); rc=$?; [ $rc -le 1 ] || exit $rc\n",
                              kNeedPgrep, ShellQuote(LiteralRegex(selector.value, true)));
      break;
  }
  co_return co_await Inspect(runner, find_pids, fmt::format("look for {}", selector.Describe()));
}

asio::awaitable<Expected<std::vector<ProcessInfo>>> StillAlive(CommandRunner& runner,
                                                               std::vector<ProcessInfo> processes) {
  if (processes.empty()) co_return std::vector<ProcessInfo>{};
  Expected<std::vector<ProcessInfo>> now =
      co_await Inspect(runner, fmt::format("pids='{}'\n", PidWords(processes)),
                       fmt::format("inspect {}", DescribePids(processes)));
  if (!now) co_return now;
  std::vector<ProcessInfo> alive;
  for (ProcessInfo& p : *now) {
    for (const ProcessInfo& before : processes) {
      if (before.pid == p.pid && before.start_time == p.start_time) {
        alive.push_back(std::move(p));
        break;
      }
    }
  }
  co_return alive;
}

asio::awaitable<Status> SignalProcesses(CommandRunner& runner, std::vector<ProcessInfo> processes,
                                        std::string signal, RunHooks hooks) {
  if (processes.empty()) co_return Status::Ok();
  std::string targets;
  for (const ProcessInfo& p : processes) {
    targets += fmt::format("{}{}:{}", targets.empty() ? "" : " ", p.pid, p.start_time);
  }
  // The start time is compared on the target right before kill: a pid that died and was reused
  // since Prepare belongs to someone else. `set -- $s` splits the fields after the name, whose
  // 20th is the start time (stat field 22).
  const std::string script = fmt::format(
      R"(rc=0
for t in {}; do
  p=${{t%%:*}}; want=${{t#*:}}
  s=$(tr '\n' ' ' 2>/dev/null < /proc/$p/stat) || continue
  s=${{s##*") "}}
  set -- $s
  [ "$1" != Z ] && [ "${{20}}" = "$want" ] || continue
  kill -s {} "$p" || rc=1
done
exit $rc
)",
      targets, signal);
  Expected<CommandResult> result = co_await RunChecked(
      runner, script, kProcessCommandTimeout,
      fmt::format("kill -s {} {}", signal, DescribePids(processes)), std::move(hooks));
  if (!result) co_return result.error();
  co_return Status::Ok();
}

asio::awaitable<Expected<std::vector<ProcessInfo>>> SelectVictims(CommandRunner& runner,
                                                                  ProcessSelector selector) {
  Expected<std::vector<ProcessInfo>> found =
      co_await FindProcesses(runner, selector, PidfileMode::kMustExist);
  if (!found) co_return found;
  if (found->empty()) co_return Error(NoneRunning(selector));
  if (found->size() > 1 && !selector.all) {
    co_return Error(
        fmt::format("{} processes match {} ({}); set all = true to act on every one, "
                    "or select a single process",
                    found->size(), selector.Describe(), DescribePids(*found)));
  }
  co_return found;
}

std::string DescribePids(const std::vector<ProcessInfo>& processes) {
  std::string pids;
  for (const ProcessInfo& p : processes)
    pids += fmt::format("{}{}", pids.empty() ? "" : ", ", p.pid);
  return fmt::format("{} {}", processes.size() == 1 ? "pid" : "pids", pids);
}

std::string NoneRunning(const ProcessSelector& selector) {
  switch (selector.match) {
    case ProcessMatch::kPidfile:
      return fmt::format("the process in pidfile {} is not running", selector.value);
    case ProcessMatch::kName:
      return fmt::format("no process named \"{}\" is running", selector.value);
    case ProcessMatch::kCmdline:
      return fmt::format("no process whose command line contains \"{}\" is running",
                         selector.value);
  }
  return "no matching process is running";
}

boost::json::array ProcessesToJson(const std::vector<ProcessInfo>& processes) {
  boost::json::array array;
  for (const ProcessInfo& p : processes) {
    array.push_back(boost::json::object{
        {"pid", p.pid}, {"start_time", p.start_time}, {"cmdline", p.cmdline}, {"cwd", p.cwd}});
  }
  return array;
}

Expected<std::vector<ProcessInfo>> ProcessesFromState(const boost::json::object& state) {
  const boost::json::value* array = state.if_contains("processes");
  if (array == nullptr || !array->is_array()) return Error("fault state has no \"processes\"");
  std::vector<ProcessInfo> processes;
  for (const boost::json::value& item : array->as_array()) {
    if (!item.is_object()) return Error("fault state has a process that is not an object");
    const boost::json::object& object = item.as_object();
    Expected<std::uint64_t> pid = StateUint(object, "pid");
    if (!pid) return pid.error();
    Expected<std::string> start = StateString(object, "start_time");
    if (!start) return start.error();
    ProcessInfo info;
    info.pid = static_cast<long>(*pid);
    info.start_time = *start;
    if (Expected<std::string> cmdline = StateString(object, "cmdline")) info.cmdline = *cmdline;
    if (Expected<std::string> cwd = StateString(object, "cwd")) info.cwd = *cwd;
    processes.push_back(std::move(info));
  }
  return processes;
}

}  // namespace firedrill
