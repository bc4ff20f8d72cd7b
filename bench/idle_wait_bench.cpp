// Shows that a drill waiting for its window does not poll: runs one real drill whose window
// opens after the measurement, and counts the process's context switches and CPU time while it
// waits. Usage: idle_wait_bench [SECONDS] (default 60)
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/engine/drill_run.h"

namespace fs = std::filesystem;
using namespace firedrill;
using namespace std::chrono_literals;

namespace {

// Sum of voluntary + involuntary context switches over every thread of this process.
long ContextSwitches() {
  long total = 0;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
          line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        total += std::atol(line.substr(line.find(':') + 1).c_str());
      }
    }
  }
  return total;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 60;
  fs::path dir = fs::temp_directory_path() / fmt::format("firedrill-idlebench-{}", ::getpid());
  fs::create_directories(dir);
  fs::path state = dir / "state";
  SysTime start = NowUtc() + std::chrono::seconds(seconds + 3600);
  std::string toml = fmt::format(
      "id = \"idle\"\ntitle = \"idle wait\"\nservice = \"bench\"\nowner = \"o\"\nplaybook = \"p\"\n"
      "[window]\nstart = {}\nend = {}\nzone = \"UTC\"\n[targets.here]\nlocal = true\n"
      "[[faults]]\nkind = \"command\"\ntarget = \"here\"\ninject = \"true\"\nrestore = \"true\"\n",
      FormatUtc(start), FormatUtc(start + 1h));
  LoadResult loaded = LoadDrillText(toml, "idle.toml", BuiltinFaults());
  if (!loaded.ok()) return 1;
  std::ostringstream out, err;
  int status = -1;
  std::thread run([&] {
    status = RunDrill(*loaded.drill, ForegroundRunOptions(state, "idle.toml", toml, false, false),
                      out, err);
  });
  for (int i = 0; i < 100 && !fs::exists(state / "control.json"); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(1s);  // let start-up settle

  long switches_before = ContextSwitches();
  double cpu_before = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  long switches = ContextSwitches() - switches_before;
  double cpu = CpuSeconds() - cpu_before;

  SendControl(state, "POST", "/v1/drills/idle/abort", R"({"reason":"bench done"})", 5s).ok();
  run.join();
  fmt::print("a drill waiting {} s for its window (exit {} after abort):\n", seconds, status);
  fmt::print(
      "  context switches, all threads: {} ({:.2f} per second; this bench's own sleeping "
      "main thread counts for about 1)\n",
      switches, static_cast<double>(switches) / seconds);
  fmt::print("  CPU time: {:.4f} s\n", cpu);
  fs::remove_all(dir);
  return 0;
}
