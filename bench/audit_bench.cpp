// audit_bench [N] [--dir DIR]: how long `firedrill audit` takes over N recorded drills.
//
// Records N drills (default 10,000), one run each, with the events a real run leaves (run-started
// carrying the whole drill file and its drill facts, preflight, two injections, probe red and
// green, an alert, acks, restores, run-ended): 70% recovered by the team, 20% auto-restored, 10%
// aborted by a guard, spread over 40 services and a year, with a postmortem file for every other
// run. Then times `firedrill audit` end to end (open read-only, one pass over the log, the facts
// of every run, render) in each format, three times, after timing its parts alone on one thread
// (the read pass, grouping the events by run, the facts and rows of every run, reading every
// run's drill facts, re-parsing every drill text, rendering each format). The same runs are also
// recorded as versions before drill facts wrote them (run-started without "drill_facts"), whose
// audit re-parses every drill text: that is timed too, and both runs tables must be the same.
// Target: <= 1 s for 10,000 drills. Works in a temporary directory that is removed at the end, or
// in DIR, kept and reused when it already holds records.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench/recorded_runs.h"
#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_json.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/report/audit_render.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace firedrill;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultDrills = 10'000;
constexpr int kServices = 40;

std::string DrillText(const std::string& id, const std::string& service, const std::string& day) {
  return fmt::format(R"(# Drill: {1}'s web process stops during business hours.
id = "{0}"
title = "{1} loses its web process"
service = "{1}"
owner = "{1}-team@example.com"
playbook = "https://wiki.example.com/runbooks/{1}/web-down"
hypothesis = "The {1}Down alert pages on-call within 5 minutes; {1} is back within 15."

[objectives]
detect_within = "5m"
recover_within = "15m"
availability = 99.9

[window]
start = {2}T08:00:00Z
end = {2}T09:00:00Z
zone = "Europe/Copenhagen"

[announce]
lead = "72h"
attendees = ["{1}-team@example.com"]

[[participants]]
name = "ic-{1}@example.com"
role = "incident-commander"

[[participants]]
name = "oncall-{1}@example.com"
role = "responder"

[targets.web]
local = true

[[faults]]
id = "stop-web"
kind = "command"
target = "web"
delay = "2m"
inject = "systemctl stop {1}-web"
check = "! systemctl is-active --quiet {1}-web"
restore = "systemctl start {1}-web"

[[faults]]
id = "slow-cache"
kind = "command"
target = "web"
delay = "3m"
inject = "touch /run/{1}/cache-off"
restore = "rm -f /run/{1}/cache-off"

[[probes]]
name = "http"
kind = "tcp"
target = "web"
host = "127.0.0.1"
port = 8080

[[guards]]
name = "down-too-long"
kind = "probe"
probe = "http"
max_red = "20m"
)",
                     id, service, day);
}

// Drill i and its run; `drill_facts`: as this version records run-started (else as versions
// before drill facts did). Nothing when the bench's drill does not load.
std::optional<bench::RecordedRun> RunOf(int i, bool drill_facts) {
  bench::RecordedRun r;
  r.index = i;
  r.service = fmt::format("svc{:02}", i % kServices);
  r.drill_id = fmt::format("{}-drill-{}", r.service, i);
  SysTime day =
      SysTime(std::chrono::sys_days(std::chrono::year(2027) / 1 / 1)) + std::chrono::days(i % 365);
  r.start = day + 8h;
  r.source = DrillText(r.drill_id, r.service, FormatUtc(day).substr(0, 10));
  if (drill_facts) {
    // What the engine adds: the facts of the drill it loaded from that text.
    LoadResult loaded = LoadDrillText(r.source, "drills/" + r.drill_id + ".toml", BuiltinFaults());
    if (!loaded.ok()) {
      fmt::print(stderr, "audit_bench: the bench's drill does not load: {}\n",
                 loaded.diagnostics.front().ToString());
      return std::nullopt;
    }
    r.drill_facts = DrillFactsJson(*loaded.drill);
  }
  r.variant = (i / kServices) % 10;  // 0..6 team, 7..8 auto-restored, 9 aborted
  r.ttd = std::chrono::seconds(60 + (i * 37) % 400);
  r.ttr = std::chrono::seconds(300 + (i * 53) % 900);
  r.max_red = 20min;
  r.aborted_auto_restored = true;
  return r;
}

bool Populate(const fs::path& dir, int drills, bool drill_facts, std::int64_t& events_written) {
  bench::RecordedRunsLayout layout;
  layout.batch_events = 10'000;
  layout.postmortem_every = 2;
  // Services with drills on file that never ran: the audit lists them as not drilled.
  layout.idle_services = 5;
  layout.program = "audit_bench";
  return bench::WriteRecordedRuns(
      dir, drills, [&](int i) { return RunOf(i, drill_facts); }, layout, events_written);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Where the time goes in `dir`, each part alone on one thread: the read pass, the same pass
// grouping copies of the events by run (as LoadAudit does), deriving every run's facts and audit
// row, reading every run's drill facts, re-parsing every drill text (what a run recorded without
// drill facts costs), and rendering the report in each format.
bool Breakdown(const fs::path& dir) {
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) return false;
  std::int64_t n = 0;
  auto t = Clock::now();
  if (!EventLog(*db).ForEach([&](const Event&) { return ++n > 0; })) return false;
  double read = Seconds(Clock::now() - t);

  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::vector<Event>> runs;
  t = Clock::now();
  Status st = EventLog(*db).ForEach([&](const Event& e) {
    auto [it, fresh] = index.try_emplace(RunIdOf(e), runs.size());
    if (fresh) runs.emplace_back();
    runs[it->second].push_back(e);
    return true;
  });
  if (!st) return false;
  double group = Seconds(Clock::now() - t);

  t = Clock::now();
  std::size_t rows = 0;
  for (const std::vector<Event>& events : runs) {
    RunFacts f = DeriveRunFacts(events, nullptr, TimelineDetail::kNone, DrillDetail::kFactsOnly);
    rows += AuditRun(f, false).run_id.empty() ? 0 : 1;
  }
  double derive = Seconds(Clock::now() - t);

  std::vector<json::value> payloads;
  for (const std::vector<Event>& events : runs) {
    for (const Event& e : events) {
      if (e.kind == "run-started") payloads.push_back(json::parse(e.payload_json));
    }
  }
  runs.clear();
  t = Clock::now();
  int facts = 0;
  for (const json::value& p : payloads) {
    const json::value* f = p.as_object().if_contains("drill_facts");
    facts += f != nullptr && ParseDrillFacts(*f).has_value();
  }
  double read_facts = Seconds(Clock::now() - t);
  std::vector<std::string> texts;
  for (const json::value& p : payloads) texts.emplace_back(p.at("source").as_string());
  t = Clock::now();
  int ok = 0;
  for (const std::string& text : texts) ok += LoadDrillText(text, "d.toml", BuiltinFaults()).ok();
  double parse = Seconds(Clock::now() - t);
  fmt::print(
      "alone, one thread: read pass {} events {:.3f} s; grouped by run {:.3f} s; facts and rows "
      "of {} runs {:.3f} s; {} drill facts read {:.3f} s; {} drill texts re-parsed {:.3f} s\n",
      n, read, group, rows, derive, facts, read_facts, ok, parse);

  auto report = LoadAudit(*db, dir, {});
  if (!report) return false;
  double render[3];
  for (int f = 0; f < 3; ++f) {
    t = Clock::now();
    std::size_t size = f == 0   ? AuditMarkdown(*report).size()
                       : f == 1 ? AuditCsv(*report, "runs").size()
                                : AuditJson(*report).size();
    render[f] = size > 0 ? Seconds(Clock::now() - t) : 0.0;
  }
  fmt::print("alone: rendering md {:.3f} s, csv {:.3f} s, json {:.3f} s\n", render[0], render[1],
             render[2]);
  return true;
}

// Times LoadAudit and `firedrill audit` in each format over the records in `dir`, three times;
// returns the runs table (CSV) of the last report.
std::optional<std::string> TimeAudit(const fs::path& dir, const char* label) {
  std::string csv;
  for (int round = 1; round <= 3; ++round) {
    // The library call alone: read-only open, one pass, facts of every run, the summary.
    auto t = Clock::now();
    auto db = Database::Open(dir, OpenMode::kReadOnly);
    if (!db) return std::nullopt;
    auto report = LoadAudit(*db, dir, {});
    if (!report) {
      fmt::print(stderr, "audit_bench: {}\n", report.error().ToString());
      return std::nullopt;
    }
    double load = Seconds(Clock::now() - t);
    std::size_t runs = report->rows.size();
    // The whole command, as a user runs it, in each format.
    double cli[3];
    const char* formats[3] = {"md", "csv", "json"};
    std::size_t bytes[3] = {0, 0, 0};
    for (int f = 0; f < 3; ++f) {
      std::ostringstream out, err;
      t = Clock::now();
      int status =
          RunCommandLine({"audit", "--state", dir.string(), "--format", formats[f]}, out, err);
      cli[f] = Seconds(Clock::now() - t);
      if (status != 0) {
        fmt::print(stderr, "audit_bench: audit exited {}: {}\n", status, err.str());
        return std::nullopt;
      }
      bytes[f] = out.str().size();
      if (f == 1) csv = out.str();
    }
    fmt::print(
        "{} round {}: LoadAudit {} runs {:.3f} s; firedrill audit: md {:.3f} s ({} KiB), csv "
        "{:.3f} s ({} KiB), json {:.3f} s ({} KiB)\n",
        label, round, runs, load, cli[0], bytes[0] / 1024, cli[1], bytes[1] / 1024, cli[2],
        bytes[2] / 1024);
    std::fflush(stdout);
  }
  return csv;
}

}  // namespace

int main(int argc, char** argv) {
  int drills = kDefaultDrills;
  std::optional<fs::path> keep;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      keep = argv[++i];
    } else if (std::from_chars(a.data(), a.data() + a.size(), drills).ec != std::errc() ||
               drills <= 0) {
      fmt::print(stderr, "usage: audit_bench [N] [--dir DIR]\n");
      return 2;
    }
  }
  fs::path dir = keep ? *keep : fs::temp_directory_path() / fmt::format("audit_bench.{}", getpid());
  // The same runs twice: as this version records them, and as versions before drill facts did.
  const fs::path current = dir / "with-drill-facts";
  const fs::path older = dir / "without-drill-facts";
  for (const auto& [where, facts] : {std::pair{current, true}, std::pair{older, false}}) {
    if (keep && fs::exists(where / Database::kFileName)) {
      fmt::print("using the records already in {}\n", where.string());
      continue;
    }
    std::int64_t events = 0;
    auto t = Clock::now();
    if (!Populate(where, drills, facts, events)) return 1;
    fmt::print("recorded {} drills, {} events{} in {:.1f} s\n", drills, events,
               facts ? "" : " (without drill facts)", Seconds(Clock::now() - t));
  }
  std::fflush(stdout);

  if (!Breakdown(current)) return 1;
  auto now = TimeAudit(current, "with drill facts");
  if (!now) return 1;
  auto before = TimeAudit(older, "older records, without drill facts (every text re-parsed)");
  if (!before) return 1;
  fmt::print("same runs table from both: {}\n", *now == *before ? "yes" : "NO");
  if (!keep) fs::remove_all(dir);
  return *now == *before ? 0 : 1;
}
