#include "orchestrator/console/timeline_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

constexpr int kLeft = 150;  // the labels' column
constexpr int kRight = 20;  // room for the last mark's label
constexpr int kRow = 26;    // height of one row
constexpr int kTop = 34;    // the time axis

struct Scale {
  SysTime from;
  SysTime to;
  int width;
  double X(SysTime t) const {
    const double span = static_cast<double>((to - from).count());
    const double at = static_cast<double>((t - from).count());
    return kLeft + (span <= 0 ? 0 : at / span * (width - kLeft - kRight));
  }
};

// "T0+1m30s" when T0 is known, else the UTC time.
std::string When(const RunFacts& facts, SysTime t) {
  return facts.t0 ? SinceT0(t - *facts.t0) : FormatUtc(t);
}

// A vertical mark with a label and a title, the label to the right of the mark, or to its left
// in the last quarter of the picture so that it is not cut off.
void Mark(std::string& svg, const Scale& s, SysTime t, int y, std::string_view css,
          std::string_view label, const std::string& title) {
  const double x = s.X(t);
  const bool left = x > kLeft + 0.75 * (s.width - kLeft - kRight);
  svg += fmt::format(
      R"(<g class="mark {}"><title>{}</title><line x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>)"
      R"(<circle cx="{:.1f}" cy="{}" r="5"/><text x="{:.1f}" y="{}"{}>{}</text></g>)",
      css, Escape(title), x, kTop, x, y, x, y, left ? x - 8 : x + 8, y + 4,
      left ? R"( text-anchor="end")" : "", Escape(label));
}

}  // namespace

std::string TimelineSvg(const RunFacts& facts, int width) {
  std::optional<SysTime> from = facts.started;
  std::optional<SysTime> to = facts.last_event;
  if (facts.window_start && (!from || *facts.window_start < *from)) from = facts.window_start;
  if (facts.window_end && (!to || *facts.window_end > *to)) to = facts.window_end;
  if (!from || !to || *to <= *from) {
    return R"(<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" )"
           R"(aria-label="no timeline: the run has no recorded start" width="400" )"
           R"(height="40"><text x="8" y="24">No timeline: the run has no recorded start.</text>)"
           R"(</svg>)";
  }
  const Scale s{*from, *to, width};
  // Rows: the window, one per probe that went red, then the marks.
  std::vector<std::string> probes;
  for (const RedInterval& r : facts.red_intervals) {
    if (std::find(probes.begin(), probes.end(), r.probe) == probes.end()) probes.push_back(r.probe);
  }
  const int marks_top = kTop + kRow * (1 + static_cast<int>(probes.size()));
  std::vector<std::pair<SysTime, std::pair<std::string, std::string>>> marks;  // css, label
  auto add = [&](std::optional<SysTime> t, std::string css, std::string label) {
    if (t) marks.push_back({*t, {std::move(css), std::move(label)}});
  };
  add(facts.t0, "inject", "injected (T0)");
  if (facts.first_alert)
    add(facts.first_alert->ts, "alert", "alert from " + facts.first_alert->source);
  if (facts.recovered_at) add(facts.recovered_at, "recover", "recovered (probes green)");
  for (const AckFact& a : facts.recovered_acks) add(a.ts, "ack", "marked recovered by " + a.by);
  for (const AckFact& a : facts.detected_acks)
    add(a.ts, "detect", "detected: acknowledged by " + a.by);
  std::optional<SysTime> restored;
  for (const FaultFact& f : facts.faults) {
    if (f.restored_at && (!restored || *f.restored_at > *restored)) restored = f.restored_at;
  }
  add(restored, "restore", "restored");
  for (const GuardTrip& g : facts.guard_trips) add(g.ts, "guard", "guard " + g.guard + " tripped");
  std::stable_sort(marks.begin(), marks.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const int height = marks_top + kRow * static_cast<int>(marks.size()) + 10;

  std::string svg =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" )"
                  R"(aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">)",
                  Escape("timeline of run " + facts.run_id), width, height, width, height);
  // The axis: start and end times in UTC.
  svg += fmt::format(R"(<g class="axis"><text x="{}" y="14">{}</text>)"
                     R"(<text x="{}" y="14" text-anchor="end">{}</text>)"
                     R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/></g>)",
                     kLeft, Escape(FormatUtc(*from)), width - kRight, Escape(FormatUtc(*to)), kLeft,
                     kTop - 6, width - kRight, kTop - 6);
  // The window band.
  int y = kTop;
  svg += fmt::format(R"(<text class="label" x="4" y="{}">window</text>)", y + 17);
  if (facts.window_start && facts.window_end) {
    const double x1 = s.X(*facts.window_start);
    const double x2 = s.X(*facts.window_end);
    svg += fmt::format(
        R"(<g class="band window"><title>{}</title><rect x="{:.1f}" y="{}" width="{:.1f}" )"
        R"(height="{}"/><text x="{:.1f}" y="{}">announced window</text></g>)",
        Escape("announced window " + FormatUtc(*facts.window_start) + " to " +
               FormatUtc(*facts.window_end)),
        x1, y + 4, std::max(1.0, x2 - x1), kRow - 8, x1 + 4, y + 17);
  }
  // A band per probe: its red periods, labelled "red" in words too.
  for (const std::string& probe : probes) {
    y += kRow;
    svg += fmt::format(R"(<text class="label" x="4" y="{}">probe {}</text>)", y + 17,
                       Escape(Shorten(probe, 40)));
    for (const RedInterval& r : facts.red_intervals) {
      if (r.probe != probe) continue;
      const double x1 = s.X(r.from);
      const double x2 = s.X(r.to);
      svg += fmt::format(
          R"(<g class="band red"><title>{}</title><rect x="{:.1f}" y="{}" width="{:.1f}" )"
          R"(height="{}"/><text x="{:.1f}" y="{}">red</text></g>)",
          Escape(fmt::format("probe {} red from {} to {}{}", probe, When(facts, r.from),
                             When(facts, r.to), r.green_again ? " (green again)" : " (restore)")),
          x1, y + 4, std::max(1.0, x2 - x1), kRow - 8, x1 + 4, y + 17);
    }
  }
  // The marks, one row each, in time order.
  y = marks_top;
  for (const auto& [t, what] : marks) {
    const std::string label = what.second + " " + When(facts, t);
    Mark(svg, s, t, y + 13, what.first, label, label + " (" + FormatUtc(t) + ")");
    y += kRow;
  }
  svg += "</svg>";
  return svg;
}

}  // namespace firedrill
