#include "faults/kill_recorded.h"

#include <fmt/format.h>

#include <sstream>

#include "faults/runtime_support.h"

namespace firedrill {
namespace {

// The scan over /proc and the kill take well under a second; the wait for the group to go is
// bounded at 5 s inside the script.
constexpr Duration kKillTimeout = std::chrono::seconds(20);

constexpr char kReportPrefix[] = "firedrill-kill ";

// scan prints "LEADER N": LEADER is "same" when pid runs (or is a zombie) with the recorded
// start time, "other" when pid belongs to another process, "none" when there is no such pid; N
// counts the live (not zombie) processes of the group. After the sed, the fields of a stat line
// are: pid state ppid pgrp ... (field k of /proc/PID/stat is $(k-1) for k >= 3), so the start
// time, field 22, is $21.
constexpr char kScript[] = R"(b=$(cat /proc/sys/kernel/random/boot_id) || exit 3
if [ "$b" != {boot} ]; then echo "{prefix}found=0 gone=1 reused=0 rebooted=1"; exit 0; fi
scan() {{
  cat /proc/[0-9]*/stat 2>/dev/null | sed 's/^\([0-9]*\) (.*) /\1 /' |
    awk -v pid={pid} -v pgid={pid} -v start={start} '
      $1 == pid {{ leader = ($21 == start) ? "same" : "other" }}
      $4 == pgid && $2 != "Z" && $2 != "X" {{ n++ }}
      END {{ if (leader == "") leader = "none"; print leader, n + 0 }}'
}}
set -- $(scan)
if [ "$1" = other ]; then echo "{prefix}found=0 gone=1 reused=1 rebooted=0"; exit 0; fi
found=$2
left=$2
i=0
while [ "$left" -gt 0 ] && [ $i -lt 100 ]; do
  kill -s KILL -- -{pid} 2>/dev/null
  sleep 0.05
  set -- $(scan)
  left=$2
  i=$((i + 1))
done
gone=0
[ "$left" -eq 0 ] && gone=1
echo "{prefix}found=$found gone=$gone reused=0 rebooted=0"
)";

// Reads "firedrill-kill found=N gone=B reused=B rebooted=B" from the script's output.
Expected<KillReport> ParseReport(const std::string& out) {
  const std::size_t at = out.find(kReportPrefix);
  if (at == std::string::npos) return Error("no report in its output");
  std::istringstream words(out.substr(at + sizeof(kReportPrefix) - 1));
  KillReport report;
  int seen = 0;
  for (std::string word; words >> word;) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos) break;
    const std::string key = word.substr(0, eq);
    const std::string value = word.substr(eq + 1);
    if (key == "found") {
      report.found = std::stoi(value);
    } else if (key == "gone") {
      report.gone = value == "1";
    } else if (key == "reused") {
      report.pid_reused = value == "1";
    } else if (key == "rebooted") {
      report.rebooted = value == "1";
    } else {
      continue;
    }
    ++seen;
  }
  if (seen != 4) return Error(fmt::format("unexpected report \"{}\"", out));
  return report;
}

}  // namespace

std::string KillReport::Describe() const {
  if (rebooted) return "the target has rebooted since: nothing of the group can be left";
  if (pid_reused) return "the pid belongs to another process now: nothing was touched";
  if (found == 0) return "nothing of the group was running";
  const bool one = found == 1;
  return fmt::format(
      "{} process{} of the group {} running and {}", found, one ? "" : "es", one ? "was" : "were",
      gone ? (one ? "has been killed" : "have been killed")
           : (one ? "is STILL RUNNING after SIGKILL" : "are STILL RUNNING after SIGKILL"));
}

boost::asio::awaitable<Expected<KillReport>> KillRecordedProcesses(CommandRunner& runner,
                                                                   ProcessIdentity identity) {
  if (Status valid = ValidateIdentity(identity); !valid) co_return valid.error();
  if (identity.pid != identity.pgid) {
    co_return Error(fmt::format("{}: not a process group leader; only group leaders are recorded",
                                identity.Describe()));
  }
  const std::string where = runner.Describe();
  if (identity.where != where) {
    co_return Error(fmt::format("{} was recorded on {}, not on {}", identity.Describe(),
                                identity.where, where));
  }
  const std::string script = fmt::format(
      kScript, fmt::arg("boot", ShellQuote(identity.boot_id)), fmt::arg("pid", identity.pid),
      fmt::arg("start", identity.start_time), fmt::arg("prefix", kReportPrefix));
  Expected<CommandResult> result = co_await runner.Run(script, kKillTimeout);
  const std::string what = fmt::format("killing what is left of {}", identity.Describe());
  if (!result) co_return Error(fmt::format("{}: {}", what, result.error().message));
  if (!result->ok()) {
    co_return Error(fmt::format("{}: {}", what, SummarizeFailure(*result, kKillTimeout)));
  }
  Expected<KillReport> report = ParseReport(result->out);
  if (!report) co_return Error(fmt::format("{}: {}", what, report.error().message));
  co_return *report;
}

}  // namespace firedrill
