#include "orchestrator/engine/live_block.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "drills/zoned_time.h"

namespace firedrill {

namespace {

// SGR colour codes; kPlain leaves the span as it is.
constexpr const char* kPlain = "";
constexpr const char* kBold = "1";
constexpr const char* kRed = "1;31";
constexpr const char* kGreen = "32";
constexpr const char* kYellow = "1;33";
constexpr const char* kCyan = "36";
constexpr const char* kDim = "2";

struct Span {
  std::string text;
  const char* sgr = kPlain;
};
using Line = std::vector<Span>;

// Control characters (a note typed by a responder may hold an escape sequence) become '?'.
std::string Clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  return out;
}

// Writes `line`, cut to `width` columns (one per UTF-8 code point), coloured when asked.
std::string Draw(const Line& line, const LiveStyle& style) {
  std::string out;
  std::size_t columns = 0;
  bool cut = false;
  for (const Span& span : line) {
    std::string text;
    for (char c : Clean(span.text)) {
      const bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
      if (!continuation) {
        if (columns == style.width) {
          cut = true;
          break;
        }
        ++columns;
      }
      text.push_back(c);
    }
    if (!text.empty()) {
      const bool coloured = style.colour && span.sgr[0] != '\0';
      out += coloured ? fmt::format("\033[{}m{}\033[0m", span.sgr, text) : text;
    }
    if (cut) break;
  }
  return out;
}

std::string Clock(SysTime t, const std::string& zone) {
  return FormatInZone(t, zone).substr(11, 8);
}

// A duration to the second, rounded down: what a counting display shows.
std::string Seconds(Duration d) {
  if (d < Duration(0)) d = Duration(0);
  return FormatDuration(std::chrono::floor<std::chrono::seconds>(d));
}

const char* PhaseColour(const std::string& phase) {
  if (phase == "active") return kYellow;
  if (phase == "restoring") return kCyan;
  if (phase == "closed") return kGreen;
  if (phase == "refused" || phase == "aborted" || phase == "restore-incomplete") return kRed;
  return kBold;
}

bool Running(const LiveView& v) { return !v.finished && v.phase != "restoring"; }

Line Header(const LiveView& v, SysTime now) {
  Line l{{"drill ", kPlain}, {v.drill_id, kBold}};
  if (!v.title.empty()) l.push_back({" (" + v.title + ")", kPlain});
  l.push_back({"  ", kPlain});
  std::string phase = v.phase;
  std::transform(phase.begin(), phase.end(), phase.begin(), ::toupper);
  l.push_back({phase, PhaseColour(v.phase)});
  if (v.t0 && !v.finished) l.push_back({"  T0+" + Seconds(now - *v.t0), kBold});
  return l;
}

// Where the run is going next: the first injection, the restore point, or how it ended.
Line Next(const LiveView& v, SysTime now) {
  if (v.finished) {
    return {{"ended: ", kPlain}, {v.outcome.empty() ? v.phase : v.outcome, PhaseColour(v.phase)}};
  }
  if (v.phase == "restoring") {
    return {{"restoring every fault in place: ", kCyan}, {v.ending_reason.value_or(""), kPlain}};
  }
  if (!v.t0 && now < v.first_inject_at && v.wheel) {
    return {{"waiting: the window opens at " + Clock(v.window_start, v.zone), kPlain},
            {" (in " + Seconds(v.window_start - now) + ")", kBold},
            {"; the wheel decides what is injected, and when", kPlain}};
  }
  if (!v.t0 && now < v.first_inject_at) {
    Line l{{"first injection at " + Clock(v.first_inject_at, v.zone), kPlain},
           {" (in " + Seconds(v.first_inject_at - now) + ")", kBold}};
    if (now < v.window_start && v.window_start < v.first_inject_at) {
      l.push_back({"; the window opens at " + Clock(v.window_start, v.zone), kPlain});
    }
    l.push_back({"; Ctrl-C cancels", kDim});
    return l;
  }
  return {{"restore point " + Clock(v.restore_at, v.zone), kPlain},
          {" (in " + Seconds(v.restore_at - now) + ")", kBold},
          {": the faults stay in place until then, recovered or not; Ctrl-C restores now", kPlain}};
}

Line FaultLine(const LiveFault& f, std::size_t id_width) {
  Line l{{fmt::format("  fault  {:<{}}  ", f.id, id_width), kPlain}};
  switch (f.state) {
    case LiveFault::State::kWaiting:
      l.push_back({"waiting  ", kDim});
      break;
    case LiveFault::State::kInPlace:
      l.push_back({"IN PLACE ", kYellow});
      break;
    case LiveFault::State::kInjectFailed:
      l.push_back({"FAILED   ", kRed});
      break;
    case LiveFault::State::kRestored:
      l.push_back({"restored ", kGreen});
      break;
    case LiveFault::State::kRestoreFailed:
      l.push_back({"RESTORE FAILED ", kRed});
      break;
  }
  l.push_back({fmt::format("{} on {}", f.kind, f.target), kPlain});
  if (!f.note.empty()) l.push_back({": " + f.note, kPlain});
  return l;
}

std::string SinceText(const LiveView& v, SysTime at) {
  if (v.t0 && at >= *v.t0) return "T0+" + Seconds(at - *v.t0);
  return Clock(at, v.zone);
}

Line ProbeLine(const LiveView& v, const LiveProbe& p, std::size_t name_width) {
  Line l{{fmt::format("  probe  {:<{}}  ", p.name, name_width), kPlain}};
  switch (p.state) {
    case LiveProbe::State::kNotChecked:
      l.push_back({"not checked yet (preflight asks it before injecting)", kDim});
      return l;
    case LiveProbe::State::kGreen:
      l.push_back({"green    ", kGreen});
      break;
    case LiveProbe::State::kRed:
      l.push_back({"RED      ", kRed});
      break;
  }
  if (p.since) l.push_back({"since " + SinceText(v, *p.since), kPlain});
  if (!p.reason.empty()) l.push_back({": " + p.reason, kPlain});
  return l;
}

// One objective: "TTD  T0+45s by alice  objective 2m: met", or counting while it runs.
Line ObjectiveLine(const LiveView& v, SysTime now, const char* name,
                   const std::optional<Duration>& took, const std::string& by,
                   const std::optional<Duration>& within) {
  Line l{{fmt::format("  {}    ", name), kBold}};
  if (took) {
    l.push_back({"T0+" + FormatDuration(*took), kBold});
    if (!by.empty()) l.push_back({" " + by, kPlain});
    if (within) {
      const bool met = *took <= *within;
      l.push_back({"  objective " + FormatDuration(*within) + ": ", kPlain});
      l.push_back({met ? "met" : "missed", met ? kGreen : kRed});
    }
    return l;
  }
  if (!v.t0) {
    l.push_back({"counted from T0", kDim});
    if (within) l.push_back({"  objective " + FormatDuration(*within), kPlain});
    return l;
  }
  if (!Running(v)) {
    l.push_back({"not within the drill", kRed});
    if (within) l.push_back({"  objective " + FormatDuration(*within) + ": missed", kPlain});
    return l;
  }
  const Duration elapsed = now - *v.t0;
  l.push_back({"not yet, T0+" + Seconds(elapsed) + " and counting", kPlain});
  if (within) {
    l.push_back({"  objective " + FormatDuration(*within) + ": ", kPlain});
    if (elapsed <= *within) {
      l.push_back({Seconds(*within - elapsed) + " left", kYellow});
    } else {
      l.push_back({"missed", kRed});
    }
  }
  return l;
}

}  // namespace

std::vector<std::string> RenderLiveBlock(const LiveView& v, SysTime now, const LiveStyle& style) {
  std::vector<Line> lines;
  lines.push_back(Header(v, now));
  lines.push_back(Next(v, now));
  std::size_t width = 0;
  for (const LiveFault& f : v.faults) width = std::max(width, f.id.size());
  for (const LiveProbe& p : v.probes) width = std::max(width, p.name.size());
  for (const LiveFault& f : v.faults) lines.push_back(FaultLine(f, width));
  if (v.faults.empty() && v.wheel) lines.push_back({{"  fault  none in place yet", kDim}});
  for (const LiveProbe& p : v.probes) lines.push_back(ProbeLine(v, p, width));
  std::string detected_by = v.ttd_human && (!v.ttd_alert || *v.ttd_human <= *v.ttd_alert)
                                ? "by " + v.ttd_human_by
                                : (v.ttd_alert ? "by an alert from " + v.ttd_alert_from : "");
  lines.push_back(ObjectiveLine(v, now, "TTD", LiveTtd(v), detected_by, v.detect_within));
  std::string recovered_by = v.has_probes ? "by the probes" : "by " + v.ttr_human_by;
  if (v.has_probes && v.ttr_human) {
    recovered_by +=
        fmt::format(" ({} marked it at T0+{})", v.ttr_human_by, FormatDuration(*v.ttr_human));
  }
  lines.push_back(ObjectiveLine(v, now, "TTR", LiveTtr(v), recovered_by, v.recover_within));
  const std::size_t first = v.notes.size() > style.notes ? v.notes.size() - style.notes : 0;
  for (std::size_t i = first; i < v.notes.size(); ++i) {
    lines.push_back(
        {{"  " + Clock(v.notes[i].at, v.zone) + "  ", kDim}, {v.notes[i].text, kPlain}});
  }
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const Line& l : lines) out.push_back(Draw(l, style));
  return out;
}

}  // namespace firedrill
