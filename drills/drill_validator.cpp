#include "drills/drill_validator.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "drills/drill_loader.h"
#include "drills/drill_plan.h"
#include "drills/quoted.h"
#include "drills/recurrence.h"
#include "drills/suggest.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

// Names that checks look up once per fault, probe or guard: a drill file of 1 MiB can hold tens
// of thousands of each, so every lookup must be cheap (no list scan per item).
struct NameIndex {
  std::vector<std::string> list;  // in file order, each once: for messages and suggestions
  std::unordered_set<std::string> set;

  void Add(const std::string& name) {
    if (set.insert(name).second) list.push_back(name);
  }
  bool Has(const std::string& name) const { return set.count(name) != 0; }
};

// " (did you mean …?)" while the report is still read: past kMaxDiagnostics problems nobody sees
// it, and each costs an edit distance per candidate.
std::string Suggest(const Diagnostics& out, const std::string& word,
                    const std::vector<std::string>& candidates) {
  return out.size() < kMaxDiagnostics ? DidYouMean(word, candidates) : std::string();
}

void CheckTarget(const NameIndex& targets, const std::string& what, const std::string& target,
                 const SourcePos& pos, Diagnostics& out) {
  if (target.empty() || targets.Has(target)) return;
  out.push_back(Error{fmt::format("{}: target {} is not defined{}; defined targets: {}", what,
                                  Quoted(target), Suggest(out, target, targets.list),
                                  targets.list.empty() ? "none" : ShownList(targets.list)),
                      pos});
}

// True when a probe guard naming `guard_probe` watches one of `sorted_probes` (WatchesProbe):
// the name itself, or a share "NAME@…" of it, found by binary search.
bool WatchesAny(const std::string& guard_probe, const std::vector<std::string>& sorted_probes) {
  if (std::binary_search(sorted_probes.begin(), sorted_probes.end(), guard_probe)) return true;
  const std::string share = guard_probe + "@";
  auto it = std::lower_bound(sorted_probes.begin(), sorted_probes.end(), share);
  return it != sorted_probes.end() && it->starts_with(share);
}

// The window is the first occurrence and was checked as one; the series must really repeat and
// its occurrences must not overlap.
void CheckRepeat(const Window& w, Diagnostics& out) {
  Expected<std::vector<Window>> next = Occurrences(w, *w.repeat, w.start, 2);
  if (!next) {
    out.push_back(Error{fmt::format("[window]: repeat: {}", next.error().message), w.pos});
    return;
  }
  if (next->size() < 2) {
    out.push_back(
        Error{fmt::format("[window]: repeat {} gives no occurrence after this window (within {} "
                          "years); check COUNT, UNTIL and the BY parts",
                          Quoted(w.repeat->text), kMaxRecurrenceScanYears),
              w.pos});
    return;
  }
  const Window& second = (*next)[1];
  if (second.start < w.end) {
    out.push_back(Error{fmt::format("[window]: repeat {}: the next occurrence starts at {}, "
                                    "before this window ends ({}); occurrences must not overlap",
                                    Quoted(w.repeat->text), FormatInZone(second.start, w.zone),
                                    FormatInZone(w.end, w.zone)),
                        w.pos});
  }
}

// Group ids: a fault written with several targets is one entry on the wheel.
NameIndex FaultGroups(const Drill& d) {
  NameIndex groups;
  for (const FaultSpec& f : d.faults) {
    const std::string& g = f.group.empty() ? f.id : f.group;
    if (!g.empty()) groups.Add(g);
  }
  return groups;
}

void CheckWheel(const Drill& d, Diagnostics& out) {
  const Wheel& wheel = *d.wheel;
  const NameIndex groups = FaultGroups(d);
  std::set<std::string> seen;
  for (const std::string& id : wheel.faults) {
    if (!seen.insert(id).second) {
      out.push_back(
          Error{fmt::format("[wheel]: fault {} is listed more than once", Quoted(id)), wheel.pos});
      continue;
    }
    if (groups.Has(id)) continue;
    std::size_t at = id.find('@');
    if (at != std::string::npos && groups.Has(id.substr(0, at))) {
      out.push_back(
          Error{fmt::format("[wheel]: {} is one target's share of fault {}; "
                            "the wheel draws whole faults: write {}",
                            Quoted(id), Quoted(id.substr(0, at)), Quoted(id.substr(0, at))),
                wheel.pos});
      continue;
    }
    out.push_back(Error{fmt::format("[wheel]: fault {} is not defined{}; fault ids: {}", Quoted(id),
                                    Suggest(out, id, groups.list),
                                    groups.list.empty() ? "none" : ShownList(groups.list)),
                        wheel.pos});
  }
  if (!wheel.faults.empty() && static_cast<std::size_t>(wheel.pick) > wheel.faults.size()) {
    out.push_back(Error{fmt::format("[wheel]: pick = {} but the wheel has only {} fault{}; pick "
                                    "1 to {}",
                                    wheel.pick, wheel.faults.size(),
                                    wheel.faults.size() == 1 ? "" : "s", wheel.faults.size()),
                        wheel.pos});
  }
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
  // A wheel's random offset may push every injection up to `inject_within` later.
  const Duration offset = d.wheel ? d.wheel->inject_within : Duration{0};
  Duration length = std::chrono::duration_cast<Duration>(w.end - w.start);
  if (d.wheel && offset >= length) {
    out.push_back(Error{fmt::format("[wheel]: inject_within ({}) must be shorter than the window "
                                    "({})",
                                    FormatDuration(offset), FormatDuration(length)),
                        d.wheel->pos});
  } else if (max_delay + offset + plan.restore_budget >= length) {
    std::string last = offset == Duration{0}
                           ? FormatDuration(max_delay)
                           : fmt::format("up to {} ({} plus [wheel] inject_within {})",
                                         FormatDuration(max_delay + offset),
                                         FormatDuration(max_delay), FormatDuration(offset));
    out.push_back(Error{
        fmt::format("[window]: the window ({}) is too short: the last fault goes in after {} and "
                    "restoring every fault may take {} (their restore_timeout added up; a fan-out "
                    "counts once per round of `parallel` targets), so "
                    "the window must be longer than {}",
                    FormatDuration(length), last, FormatDuration(plan.restore_budget),
                    FormatDuration(max_delay + offset + plan.restore_budget)),
        w.pos});
  }
  if (w.repeat) CheckRepeat(w, out);
  for (const Blackout& b : d.blackouts) {
    if (b.end <= b.start) {
      out.push_back(
          Error{fmt::format("blackout {}: end ({}) is not after start ({})", Quoted(b.name),
                            FormatInZone(b.end, w.zone), FormatInZone(b.start, w.zone)),
                b.pos});
      continue;
    }
    if (w.start < b.end && b.start < w.end) {
      out.push_back(Error{
          fmt::format("[window]: the window overlaps blackout {} ({} to {}); move the drill",
                      Quoted(b.name), FormatInZone(b.start, w.zone), FormatInZone(b.end, w.zone)),
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
      out.push_back(
          Error{fmt::format("{} {} is defined more than once", what, Quoted(k)), item.pos});
    }
  }
}

}  // namespace

void ValidateDrill(const Drill& d, Diagnostics& out, bool window_known) {
  if (window_known) CheckWindow(d, out);
  if (d.wheel) CheckWheel(d, out);

  CheckUnique(
      d.faults, [](const FaultSpec& f) -> const std::string& { return f.id; }, "fault id", out);
  CheckUnique(
      d.probes, [](const Probe& p) -> const std::string& { return p.name; }, "probe name", out);
  CheckUnique(
      d.guards, [](const Guard& g) -> const std::string& { return g.name; }, "guard name", out);

  NameIndex targets;
  for (const auto& [name, t] : d.targets) targets.Add(name);
  for (const FaultSpec& f : d.faults) {
    CheckTarget(targets, fmt::format("fault {}", Quoted(f.id)), f.target, f.pos, out);
  }
  std::vector<std::string> probe_names;
  for (const Probe& p : d.probes) {
    probe_names.push_back(p.name);
    CheckTarget(targets, fmt::format("probe {}", Quoted(p.name)), p.target, p.pos, out);
    if (p.timeout >= p.interval) {
      out.push_back(
          Error{fmt::format("probe {}: timeout ({}) must be shorter than interval "
                            "({})",
                            Quoted(p.name), FormatDuration(p.timeout), FormatDuration(p.interval)),
                p.pos});
    }
  }
  std::vector<std::string> sorted_probes = probe_names;
  std::sort(sorted_probes.begin(), sorted_probes.end());
  for (const Guard& g : d.guards) {
    if (g.kind == GuardKind::kCommand) {
      CheckTarget(targets, fmt::format("guard {}", Quoted(g.name)), g.target, g.pos, out);
    }
    if (g.kind == GuardKind::kProbe && !g.probe.empty() && !WatchesAny(g.probe, sorted_probes)) {
      out.push_back(Error{fmt::format("guard {}: probe {} is not defined{}", Quoted(g.name),
                                      Quoted(g.probe), Suggest(out, g.probe, probe_names)),
                          g.pos});
    }
  }
}

}  // namespace firedrill
