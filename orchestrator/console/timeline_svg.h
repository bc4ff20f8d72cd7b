// One run's timeline as a picture: the announced window, the injection (T0), detection,
// recovery, the restore, each probe's red periods as a band, and every alert and acknowledgement
// as a mark. Server-rendered SVG, inline in a page or a report file; every label is also said in
// words (a <title> on each mark and band, text beside it), never by colour alone.
#pragma once

#include <string>

#include "orchestrator/report/run_facts.h"

namespace firedrill {

/// Returns the <svg> element (no XML declaration) of `facts`'s timeline, `width` CSS pixels wide
/// and scaled to fit (viewBox), from the earlier of the window's start and the run's start to the
/// later of the window's end and the run's last event. Text from the record is escaped. A run
/// without a start time gets an SVG that says so.
std::string TimelineSvg(const RunFacts& facts, int width = 960);

}  // namespace firedrill
