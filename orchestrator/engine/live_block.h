// The live status block of `firedrill run` on a terminal, as lines: a pure function of the run's
// view-state and the time now (no I/O; LiveDisplay draws it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "orchestrator/engine/live_view.h"

namespace firedrill {

/// How the block is drawn.
struct LiveStyle {
  bool colour = false;      ///< ANSI colours (the terminal supports them and NO_COLOR is unset)
  std::size_t width = 100;  ///< the terminal's width: every line is cut to fit it
  std::size_t notes = 4;    ///< how many of the latest acks, alerts and aborts are shown
};

/// Returns the block for `view` at `now`: the phase and time since T0; the restore point and how
/// far away it is; each fault and where; each probe red or green with its last reason; TTD and
/// TTR against the objectives, counting while they run; the latest acks and alerts. Every line
/// fits `style.width` columns (colour codes excluded) and holds no control character but the
/// colour codes, whatever the payloads held.
std::vector<std::string> RenderLiveBlock(const LiveView& view, SysTime now, const LiveStyle& style);

}  // namespace firedrill
