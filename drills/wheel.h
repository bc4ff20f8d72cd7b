// The wheel of misfortune: which of a drill's `[wheel]` faults a run injects, and how much later
// than planned, drawn from a 64-bit seed. The draw is fully specified below (no standard library
// distribution, whose results differ between implementations), so an auditor can replay a run's
// choice from the seed in its record, in any language.
//
// The algorithm, all arithmetic modulo 2^64:
//
//   Next():   state += 0x9E3779B97F4A7C15                        (splitmix64; state starts at seed)
//             z = state
//             z = (z xor (z >> 30)) * 0xBF58476D1CE4E5B9
//             z = (z xor (z >> 27)) * 0x94D049BB133111EB
//             return z xor (z >> 31)
//   Draw(n):  repeat x = Next() until x < 2^64 - (2^64 mod n); return x mod n   (unbiased, 0..n-1)
//
//   Faults:   L = wheel.faults as written; for i = 0 .. pick-1: j = i + Draw(len(L) - i),
//             swap L[i] and L[j]. The chosen faults are L[0 .. pick-1], reported in the order
//             wheel.faults lists them. No draws when wheel.faults is empty.
//   Offset:   when inject_within > 0: Draw(ceil(inject_within / 1s)) whole seconds, drawn after
//             the faults; so 0 <= offset < inject_within. Otherwise 0 and no draw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

/// The outcome of one spin.
struct WheelChoice {
  std::uint64_t seed = 0;           ///< what it was drawn from; recorded so it can be replayed
  std::vector<std::string> faults;  ///< the chosen wheel fault ids (groups), in wheel order
  Duration offset{0};               ///< added to every injected fault's delay; whole seconds
};

/// Spins the wheel of `drill` with `seed` as described at the top of this file. Pure and
/// deterministic: the same drill and seed give the same choice on every platform. A drill
/// without `[wheel]` gives no faults and no offset; `pick` is capped at the number of faults.
WheelChoice SpinWheel(const Drill& drill, std::uint64_t seed);

/// Returns `drill` as one run executes it: the wheel's faults that were not chosen removed (every
/// member of a fan-out group), `choice.offset` added to every remaining fault's delay, and no
/// `[wheel]` left. Faults not on the wheel stay.
Drill ApplyWheel(const Drill& drill, const WheelChoice& choice);

/// Returns 64 random bits from the operating system (getrandom, else std::random_device), for
/// the seed of a run.
std::uint64_t RandomSeed();

/// Returns the plan's one line about the wheel, which does not say what will be chosen, e.g.
/// "wheel of misfortune: 1 of 3 faults (kill-web, block-db, slow-cache) chosen at random,
/// injected at a random moment within 15m of the planned time". Empty without `[wheel]`.
std::string DescribeWheel(const Drill& drill);

}  // namespace firedrill
