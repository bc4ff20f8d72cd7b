// Measures the error between a responder sending `ack` and the time firedrill records for it:
// runs one real drill, sends N acks through the real control endpoint, and compares each send
// time with the recorded event's timestamp. Usage: ack_latency_bench [N]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/engine/drill_run.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace fs = std::filesystem;
using namespace firedrill;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  fs::path dir = fs::temp_directory_path() / fmt::format("firedrill-ackbench-{}", ::getpid());
  fs::create_directories(dir);
  fs::path state = dir / "state";
  fs::path marker = dir / "fault-in-place";
  SysTime start = NowUtc() + 200ms;
  std::string toml = fmt::format(
      "id = \"ackbench\"\ntitle = \"ack latency\"\nservice = \"bench\"\nowner = \"o\"\n"
      "playbook = \"p\"\n[window]\nstart = {}\nend = {}\nzone = \"UTC\"\n"
      "[targets.here]\nlocal = true\n[[faults]]\nkind = \"command\"\ntarget = \"here\"\n"
      "inject = \": > '{m}'\"\ncheck = \"test -f '{m}'\"\nrestore = \"rm -f '{m}'\"\n"
      "restore_timeout = \"1s\"\n",
      FormatUtc(start), FormatUtc(start + 10min), fmt::arg("m", marker.string()));
  LoadResult loaded = LoadDrillText(toml, "ackbench.toml", BuiltinFaults());
  if (!loaded.ok()) return 1;
  std::ostringstream out, err;
  int status = -1;
  std::thread run([&] {
    status = RunDrill(*loaded.drill,
                      ForegroundRunOptions(state, "ackbench.toml", toml, false, false), out, err);
  });
  for (int i = 0; i < 100 && !fs::exists(marker); ++i) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(100ms);

  std::vector<SysTime> sent;
  std::vector<double> round_trip_ms;
  for (int i = 0; i < n; ++i) {
    SysTime t = NowUtc();
    auto t0 = std::chrono::steady_clock::now();
    auto r = SendControl(state, "POST", "/v1/drills/ackbench/ack",
                         R"({"what":"detected","by":"bench"})", std::chrono::seconds(5));
    round_trip_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r.ok() || r->status != 200) {
      fmt::print(stderr, "ack {} failed: {}\n", i, r.ok() ? r->body : r.error().message);
      break;
    }
    sent.push_back(t);
  }
  SendControl(state, "POST", "/v1/drills/ackbench/abort", R"({"reason":"bench done"})", 5s).ok();
  run.join();

  auto db = Database::Open(state, OpenMode::kReadOnly);
  auto events = EventLog(*db).ForDrill("ackbench");
  std::vector<double> error_ms;
  std::size_t k = 0;
  for (const Event& e : *events) {
    if (e.kind != "ack-detected" || k >= sent.size()) continue;
    error_ms.push_back(static_cast<double>((e.ts - sent[k++]).count()));
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
  };
  fmt::print("{} acks through the control endpoint of a running drill (exit {})\n", error_ms.size(),
             status);
  fmt::print(
      "  ack sent -> recorded timestamp   median {:.0f} ms   p99 {:.0f} ms   max {:.0f} ms "
      "(1 ms resolution)\n",
      pct(error_ms, 0.5), pct(error_ms, 0.99), *std::max_element(error_ms.begin(), error_ms.end()));
  fmt::print("  client round trip (durable)     median {:.2f} ms   p99 {:.2f} ms\n",
             pct(round_trip_ms, 0.5), pct(round_trip_ms, 0.99));
  fs::remove_all(dir);
  return 0;
}
