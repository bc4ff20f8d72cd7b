// How long loading a hostile drill text takes as it grows: a drill file may be up to 1 MiB,
// from anyone who can call `validate` or the daemon's schedule API, so loading must stay about
// linear in its size. Prints, per shape and size, the bytes, the diagnostics and the median of
// three loads. Run: build/ci/bench/hostile_drill_bench
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"

namespace {

using Clock = std::chrono::steady_clock;

// A valid drill without faults; each shape adds its own sections.
std::string Head() {
  return "id = \"bench\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o@example.com\"\n"
         "playbook = \"p\"\n[window]\nstart = 2027-03-04T10:00:00\nend = 2027-03-05T10:00:00\n"
         "zone = \"UTC\"\n[targets.t]\nlocal = true\n";
}

// n faults, one of them on a wheel: the wheel's checks look every fault up.
std::string Wheel(int n) {
  std::string s = Head();
  for (int i = 0; i < n; ++i) {
    s += fmt::format("[[faults]]\nid = \"f{}\"\nkind = \"cpu.stress\"\ntarget = \"t\"\n", i);
  }
  return s + "[wheel]\nfaults = [\"f0\"]\n";
}

// n targets and n faults on a target that does not exist.
std::string MissingTargets(int n) {
  std::string s = Head();
  for (int i = 0; i < n; ++i) s += fmt::format("[targets.t{}]\nlocal = true\n", i);
  for (int i = 0; i < n; ++i) s += "[[faults]]\nkind = \"cpu.stress\"\ntarget = \"x\"\n";
  return s;
}

// n probes and n probe guards watching a probe that does not exist.
std::string MissingProbes(int n) {
  std::string s = Head() + "[[faults]]\nkind = \"cpu.stress\"\ntarget = \"t\"\n";
  for (int i = 0; i < n; ++i) {
    s += fmt::format("[[probes]]\nname = \"p{}\"\nkind = \"tcp\"\ntarget = \"t\"\nport = 1\n", i);
  }
  for (int i = 0; i < n; ++i) {
    s += fmt::format(
        "[[guards]]\nname = \"g{}\"\nkind = \"probe\"\nprobe = \"x\"\nmax_red = "
        "\"1m\"\n",
        i);
  }
  return s;
}

// n unknown top-level keys: the linear reference.
std::string UnknownKeys(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += fmt::format("key{} = {}\n", i, i);
  return s + Head() + "[[faults]]\nkind = \"cpu.stress\"\ntarget = \"t\"\n";
}

struct Shape {
  const char* name;
  std::function<std::string(int)> make;
};

}  // namespace

int main() {
  const std::vector<Shape> shapes = {{"wheel over n faults", Wheel},
                                     {"n faults on a missing target, n targets", MissingTargets},
                                     {"n guards on a missing probe, n probes", MissingProbes},
                                     {"n unknown keys (linear reference)", UnknownKeys}};
  fmt::print("{:<42} {:>6} {:>9} {:>7} {:>10}\n", "shape", "n", "bytes", "errors", "load ms");
  for (const Shape& shape : shapes) {
    for (int n : {1000, 2000, 4000, 8000}) {
      const std::string text = shape.make(n);
      if (text.size() > firedrill::kMaxDrillFileBytes) continue;
      std::vector<double> ms;
      std::size_t errors = 0;
      for (int run = 0; run < 3; ++run) {
        auto start = Clock::now();
        firedrill::LoadResult r =
            firedrill::LoadDrillText(text, "bench.toml", firedrill::BuiltinFaults());
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        errors = r.diagnostics.size();
      }
      std::sort(ms.begin(), ms.end());
      fmt::print("{:<42} {:>6} {:>9} {:>7} {:>10.1f}\n", shape.name, n, text.size(), errors, ms[1]);
    }
  }
  return 0;
}
