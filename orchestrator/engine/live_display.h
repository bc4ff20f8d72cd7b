// Draws the live status block of a run on a terminal: the run's lines scroll above it, the block
// is redrawn in place below them on every event and as time passes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/engine/live_block.h"
#include "orchestrator/engine/live_view.h"
#include "orchestrator/engine/run_clock.h"

namespace firedrill {

/// The live block of one run on the terminal `out`. Loop thread only; `out` and `clock` must
/// outlive it. Nothing it draws is recorded: the records are the events.
class LiveDisplay {
 public:
  /// The terminal's size in columns and rows.
  struct Size {
    std::size_t columns = 100;
    std::size_t rows = 40;
  };

  /// `size` returns the terminal's size now (it may change while the run goes); `style` gives
  /// colour and how many notes are shown.
  LiveDisplay(std::ostream& out, LiveView view, LiveStyle style, FactClock& clock,
              std::function<Size()> size);

  /// Takes event `kind` recorded at `at` into the view, prints `line` (its text line) above the
  /// block and redraws the block. The block is cleared for good once the run has ended. A block
  /// taller than the terminal is cut to fit it (the lines it leaves out are counted): the cursor
  /// cannot go back over lines that scrolled out of the screen.
  void Event(SysTime at, EventKind kind, const EventPayload& payload, const std::string& line);

  /// Prints `line` above the block (a progress line that is not an event).
  void Say(const std::string& line);

  /// Writes `text` (a warning) to `err`, the error stream, without it landing inside the block:
  /// the block is cleared first and drawn again below the text (on a terminal both streams
  /// write to the same screen).
  void Warn(std::ostream& err, const std::string& text);

  /// Redraws the block every `period` (when it changed: the counters count in seconds) until
  /// Stop() or the run's end. Spawn it once on the run's executor.
  boost::asio::awaitable<void> Tick(boost::asio::any_io_executor executor, Duration period);

  /// Clears the block and stops the ticking; nothing is drawn afterwards.
  void Stop();

  /// The view as the events made it (tests).
  const LiveView& view() const { return view_; }

 private:
  // Clears the block drawn last, prints `above` (whole lines), draws the block at `now`.
  void Redraw(const std::string& above, bool force);

  std::ostream& out_;
  LiveView view_;
  LiveStyle style_;
  FactClock& clock_;
  std::function<Size()> size_;
  std::vector<std::string> drawn_;  ///< the block on the screen now (empty: none)
  std::unique_ptr<RunTimer> timer_;
  bool stopped_ = false;
};

}  // namespace firedrill
