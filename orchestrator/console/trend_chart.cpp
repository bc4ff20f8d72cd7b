// The services page's trend chart: a metric's median and p90 per quarter as SVG.
#include "orchestrator/console/trend_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxName = 200;  // bytes of a service name shown, as on the page

// The trend picture's geometry (CSS pixels; the picture scales down to fit).
constexpr int kWidth = 500;
constexpr int kHeight = 190;
constexpr int kLeft = 64;  // the value labels' column
constexpr int kRight = 8;
constexpr int kTop = 12;
constexpr int kBottom = 36;  // two lines of quarter labels

std::string Text(std::string_view s, std::size_t max = kMaxName) { return Escape(Shorten(s, max)); }

// A round value at or above `d` for the top of a picture's scale.
Duration NiceCeiling(Duration d) {
  static constexpr Duration kSteps[] = {1s,    2s,   5s,    10s,   15s,   30s,   1min,
                                        2min,  5min, 10min, 15min, 20min, 30min, 45min,
                                        60min, 2h,   3h,    6h,    12h,   24h,   48h};
  for (Duration s : kSteps) {
    if (d <= s) return s;
  }
  const auto days = (d + 24h - 1ms) / std::chrono::duration_cast<Duration>(24h);
  return std::chrono::duration_cast<Duration>(24h) * days;
}

}  // namespace

// One metric of one service per quarter, quarters [first, last]: a median bar and a p90 bar per
// quarter, the objective as a dashed line, each with a title saying it in words; the table
// `table_id` holds the same figures.
std::string TrendSvg(std::string_view metric, std::string_view service, int first, int last,
                     const std::vector<TrendPoint>& points, std::string_view id,
                     std::string_view table_id) {
  Duration top{0};
  for (const TrendPoint& p : points) {
    if (p.spread != nullptr && p.spread->p90) top = std::max(top, *p.spread->p90);
    if (p.objective) top = std::max(top, *p.objective);
  }
  top = NiceCeiling(std::max(top + top / 10, Duration(1s)));
  const int plot_w = kWidth - kLeft - kRight;
  const int plot_h = kHeight - kTop - kBottom;
  const int slots = last - first + 1;
  const double slot = static_cast<double>(plot_w) / slots;
  auto y_of = [&](Duration v) {
    const double share = std::min(1.0, static_cast<double>(v.count()) / top.count());
    return kTop + plot_h * (1.0 - share);
  };
  const int base = kTop + plot_h;

  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="trend" role="img" viewBox="0 0 {0} {1}" )"
      R"(width="{0}" height="{1}" aria-labelledby="{2}" aria-describedby="{3}">)"
      R"(<title id="{2}">{4} of {5} per quarter: median and p90 against the objective )"
      R"((the figures are in the table below)</title>)",
      kWidth, kHeight, id, table_id, Escape(metric), Text(service));
  svg += fmt::format(R"(<g class="axis"><line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)"
                     R"(<line x1="{0}" y1="{2}" x2="{3}" y2="{2}"/>)"
                     R"(<text x="{4}" y="{5}" text-anchor="end">{6}</text>)"
                     R"(<text x="{4}" y="{7:.1f}" text-anchor="end">{8}</text>)"
                     R"(<text x="{4}" y="{9}" text-anchor="end">0</text></g>)",
                     kLeft, kTop, base, kWidth - kRight, kLeft - 4, kTop + 4, FormatDuration(top),
                     y_of(top / 2) + 4, FormatDuration(top / 2), base + 4);
  std::map<int, const TrendPoint*> at;
  for (const TrendPoint& p : points) at[p.quarter] = &p;
  for (int q = first; q <= last; ++q) {
    const double x = kLeft + slot * (q - first);
    const std::string name = fmt::format("{}-Q{}", q / 4, q % 4 + 1);
    auto it = at.find(q);
    const TrendPoint* p = it == at.end() ? nullptr : it->second;
    const Spread* s = p == nullptr ? nullptr : p->spread;
    if (s != nullptr && s->median && s->p90) {
      const double w = slot * 0.3;
      const std::string objective =
          p->objective ? "objective " + FormatDuration(*p->objective) : "no objective";
      svg += fmt::format(
          R"(<rect class="median" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">)"
          R"(<title>{}: median {} ({}; {})</title></rect>)",
          x + slot * 0.18, y_of(*s->median), w, std::max(0.5, base - y_of(*s->median)), name,
          FormatDuration(*s->median), objective, Escape(p->verdict));
      svg +=
          fmt::format(R"(<rect class="p90" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">)"
                      R"(<title>{}: p90 {} ({}; {})</title></rect>)",
                      x + slot * 0.52, y_of(*s->p90), w, std::max(0.5, base - y_of(*s->p90)), name,
                      FormatDuration(*s->p90), objective, Escape(p->verdict));
    } else {
      svg += fmt::format(R"(<text class="nodata" x="{:.1f}" y="{}" text-anchor="middle">)"
                         R"(<title>{}: no measurement</title>none</text>)",
                         x + slot / 2, base - 4, name);
    }
    if (p != nullptr && p->objective) {
      svg +=
          fmt::format(R"(<line class="objective" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}">)"
                      R"(<title>{}: objective {}</title></line>)",
                      x, y_of(*p->objective), x + slot, y_of(*p->objective), name,
                      FormatDuration(*p->objective));
    }
    svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">Q{}</text>)", x + slot / 2,
                       base + 14, q % 4 + 1);
    if (q % 4 == 0 || q == first) {
      svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", x + slot / 2,
                         base + 28, q / 4);
    }
  }
  svg += "</svg>";
  return svg;
}

}  // namespace firedrill
