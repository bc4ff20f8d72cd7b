#include "drills/drill_validator.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "drills/drill_plan.h"
#include "drills/suggest.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

std::vector<std::string> TargetNames(const Drill& d) {
  std::vector<std::string> names;
  for (const auto& [name, t] : d.targets) names.push_back(name);
  return names;
}

void CheckTarget(const Drill& d, const std::string& what, const std::string& target,
                 const SourcePos& pos, Diagnostics& out) {
  if (target.empty() || d.targets.count(target) != 0) return;
  std::vector<std::string> names = TargetNames(d);
  out.push_back(
      Error{fmt::format("{}: target \"{}\" is not defined{}; defined targets: {}", what, target,
                        DidYouMean(target, names),
                        names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))),
            pos});
}

void CheckWindow(const Drill& d, Diagnostics& out) {
  const Window& w = d.window;
  if (w.end <= w.start) {
    out.push_back(Error{fmt::format("[window]: end ({}) is not after start ({})",
                                    FormatInZone(w.end, w.zone), FormatInZone(w.start, w.zone)),
                        w.pos});
    return;
  }
  DrillPlan plan = PlanDrill(d);
  Duration max_delay{0};
  for (const FaultSpec& f : d.faults) max_delay = std::max(max_delay, f.delay);
  Duration length = std::chrono::duration_cast<Duration>(w.end - w.start);
  if (max_delay + plan.restore_budget >= length) {
    out.push_back(Error{
        fmt::format("[window]: the window ({}) is too short: the last fault goes in after {} and "
                    "restoring every fault may take {} (their restore_timeout added up; a fan-out "
                    "counts once per round of `parallel` targets), so "
                    "the window must be longer than {}",
                    FormatDuration(length), FormatDuration(max_delay),
                    FormatDuration(plan.restore_budget),
                    FormatDuration(max_delay + plan.restore_budget)),
        w.pos});
  }
  for (const Blackout& b : d.blackouts) {
    if (b.end <= b.start) {
      out.push_back(Error{fmt::format("blackout \"{}\": end ({}) is not after start ({})", b.name,
                                      FormatInZone(b.end, w.zone), FormatInZone(b.start, w.zone)),
                          b.pos});
      continue;
    }
    if (w.start < b.end && b.start < w.end) {
      out.push_back(Error{
          fmt::format("[window]: the window overlaps blackout \"{}\" ({} to {}); move the drill",
                      b.name, FormatInZone(b.start, w.zone), FormatInZone(b.end, w.zone)),
          w.pos});
    }
  }
}

template <typename T, typename Key>
void CheckUnique(const std::vector<T>& items, Key key, const std::string& what, Diagnostics& out) {
  std::set<std::string> seen;
  for (const T& item : items) {
    const std::string& k = key(item);
    if (k.empty()) continue;
    if (!seen.insert(k).second) {
      out.push_back(Error{fmt::format("{} \"{}\" is defined more than once", what, k), item.pos});
    }
  }
}

}  // namespace

void ValidateDrill(const Drill& d, Diagnostics& out, bool window_known) {
  if (window_known) CheckWindow(d, out);

  CheckUnique(
      d.faults, [](const FaultSpec& f) -> const std::string& { return f.id; }, "fault id", out);
  CheckUnique(
      d.probes, [](const Probe& p) -> const std::string& { return p.name; }, "probe name", out);
  CheckUnique(
      d.guards, [](const Guard& g) -> const std::string& { return g.name; }, "guard name", out);

  for (const FaultSpec& f : d.faults) {
    CheckTarget(d, fmt::format("fault \"{}\"", f.id), f.target, f.pos, out);
  }
  std::vector<std::string> probe_names;
  for (const Probe& p : d.probes) {
    probe_names.push_back(p.name);
    CheckTarget(d, fmt::format("probe \"{}\"", p.name), p.target, p.pos, out);
    if (p.timeout >= p.interval) {
      out.push_back(
          Error{fmt::format("probe \"{}\": timeout ({}) must be shorter than interval "
                            "({})",
                            p.name, FormatDuration(p.timeout), FormatDuration(p.interval)),
                p.pos});
    }
  }
  for (const Guard& g : d.guards) {
    if (g.kind == GuardKind::kCommand) {
      CheckTarget(d, fmt::format("guard \"{}\"", g.name), g.target, g.pos, out);
    }
    if (g.kind == GuardKind::kProbe && !g.probe.empty() &&
        std::none_of(probe_names.begin(), probe_names.end(),
                     [&](const std::string& n) { return WatchesProbe(g.probe, n); })) {
      out.push_back(Error{fmt::format("guard \"{}\": probe \"{}\" is not defined{}", g.name,
                                      g.probe, DidYouMean(g.probe, probe_names)),
                          g.pos});
    }
  }
}

}  // namespace firedrill
