// Runs N short real drills (a `command` fault that creates a file, checked and removed by shell
// commands) and reports, from the event log, how long after the planned restore point every
// fault was restored and verified: median and p99. Usage: restore_latency_bench [N] [--dir DIR]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "drills/drill_plan.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/engine/drill_run.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace fs = std::filesystem;
using namespace firedrill;
using namespace std::chrono_literals;

namespace {

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int n = 100;
  fs::path dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      n = std::max(1, std::atoi(a.c_str()));
    }
  }
  bool own_dir = dir.empty();
  if (own_dir) dir = fs::temp_directory_path() / fmt::format("firedrill-bench-{}", ::getpid());
  fs::create_directories(dir);
  fs::path state = dir / "state";
  fs::path marker = dir / "fault-in-place";

  std::vector<double> timer_ms, restore_ms, total_ms;
  for (int i = 0; i < n; ++i) {
    SysTime start = NowUtc() + 50ms;
    SysTime end = start + 300ms + 1s;  // active 300ms, then the fault's 1s restore budget
    std::string toml = fmt::format(
        "id = \"bench\"\ntitle = \"restore latency\"\nservice = \"bench\"\nowner = \"o\"\n"
        "playbook = \"p\"\n[window]\nstart = {}\nend = {}\nzone = \"UTC\"\n"
        "[targets.here]\nlocal = true\n[[faults]]\nid = \"f\"\nkind = \"command\"\n"
        "target = \"here\"\ninject = \": > '{m}'\"\ncheck = \"test -f '{m}'\"\n"
        "restore = \"rm -f '{m}'\"\nrestore_timeout = \"1s\"\n",
        FormatUtc(start), FormatUtc(end), fmt::arg("m", marker.string()));
    LoadResult loaded = LoadDrillText(toml, "bench.toml", BuiltinFaults());
    if (!loaded.ok()) {
      fmt::print(stderr, "bench drill invalid: {}\n", loaded.diagnostics[0].ToString());
      return 1;
    }
    std::ostringstream out, err;
    int status = RunDrill(*loaded.drill,
                          ForegroundRunOptions(state, "bench.toml", toml, false, false), out, err);
    if (status != 0 || fs::exists(marker)) {
      fmt::print(stderr, "drill {} ended with {} (marker left: {}):\n{}{}\n", i, status,
                 fs::exists(marker), out.str(), err.str());
      return 1;
    }
    DrillPlan plan = PlanDrill(*loaded.drill);
    auto db = Database::Open(state, OpenMode::kReadOnly);
    auto events = EventLog(*db).ForDrill("bench");
    // This run's events are the newest: the last restore-started and fault-restored.
    SysTime started{}, restored{};
    for (const Event& e : *events) {
      if (e.kind == "restore-started") started = e.ts;
      if (e.kind == "fault-restored") restored = e.ts;
    }
    auto ms = [](Duration d) { return static_cast<double>(d.count()); };
    timer_ms.push_back(ms(started - plan.restore_at));
    restore_ms.push_back(ms(restored - started));
    total_ms.push_back(ms(restored - plan.restore_at));
  }
  fmt::print(
      "{} drills, each one command fault restored by shell commands and verified by its "
      "check (event-log timestamps, 1 ms resolution)\n",
      n);
  auto line = [](const char* what, const std::vector<double>& v) {
    fmt::print("  {:<44} median {:>5.0f} ms   p99 {:>5.0f} ms   max {:>5.0f} ms\n", what,
               Percentile(v, 0.5), Percentile(v, 0.99), *std::max_element(v.begin(), v.end()));
  };
  line("restore point -> restore started (timer)", timer_ms);
  line("restore started -> restored and verified", restore_ms);
  line("restore point -> restored and verified", total_ms);
  if (own_dir) fs::remove_all(dir);
  return 0;
}
