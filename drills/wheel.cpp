#include "drills/wheel.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <set>
#include <utility>

namespace firedrill {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): the generator the header spells out.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // A uniform draw from 0..n-1 by rejection: values from the incomplete last block of n are
  // drawn again, so every result is equally likely.
  std::uint64_t Draw(std::uint64_t n) {
    const std::uint64_t rest = (UINT64_MAX % n + 1) % n;  // 2^64 mod n
    while (true) {
      std::uint64_t x = Next();
      if (rest == 0 || x <= UINT64_MAX - rest) return x % n;
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace

WheelChoice SpinWheel(const Drill& drill, std::uint64_t seed) {
  WheelChoice choice;
  choice.seed = seed;
  if (!drill.wheel) return choice;
  const Wheel& wheel = *drill.wheel;
  SplitMix64 rng(seed);
  std::vector<std::size_t> order(wheel.faults.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::size_t pick =
      std::min(order.size(), static_cast<std::size_t>(std::max(wheel.pick, 0)));
  for (std::size_t i = 0; i < pick; ++i) {
    std::size_t j = i + static_cast<std::size_t>(rng.Draw(order.size() - i));
    std::swap(order[i], order[j]);
  }
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(pick));
  for (std::size_t i = 0; i < pick; ++i) choice.faults.push_back(wheel.faults[order[i]]);
  if (wheel.inject_within > Duration{0}) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(wheel.inject_within).count();
    choice.offset = std::chrono::seconds(rng.Draw(static_cast<std::uint64_t>(seconds)));
  }
  return choice;
}

Drill ApplyWheel(const Drill& drill, const WheelChoice& choice) {
  Drill out = drill;
  if (drill.wheel) {
    std::set<std::string> dropped(drill.wheel->faults.begin(), drill.wheel->faults.end());
    for (const std::string& chosen : choice.faults) dropped.erase(chosen);
    std::erase_if(out.faults, [&](const FaultSpec& f) {
      return dropped.count(f.group.empty() ? f.id : f.group) != 0;
    });
  }
  for (FaultSpec& f : out.faults) f.delay += choice.offset;
  out.wheel.reset();
  return out;
}

std::uint64_t RandomSeed() {
  std::uint64_t seed = 0;
  ssize_t got = -1;
  do {
    got = getrandom(&seed, sizeof seed, 0);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof seed)) return seed;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

std::string DescribeWheel(const Drill& drill) {
  if (!drill.wheel) return "";
  const Wheel& w = *drill.wheel;
  std::string out = "wheel of misfortune: ";
  if (!w.faults.empty()) {
    out += fmt::format("{} of {} fault{} ({}) chosen at random", w.pick, w.faults.size(),
                       w.faults.size() == 1 ? "" : "s", fmt::join(w.faults, ", "));
  }
  if (w.inject_within > Duration{0}) {
    out += fmt::format("{}injected at a random moment within {} of the planned time",
                       w.faults.empty() ? "" : ", ", FormatDuration(w.inject_within));
  }
  return out;
}

}  // namespace firedrill
