#include "orchestrator/engine/live_display.h"

#include <fmt/format.h>

#include <ostream>

namespace firedrill {

LiveDisplay::LiveDisplay(std::ostream& out, LiveView view, LiveStyle style, FactClock& clock,
                         std::function<Size()> size)
    : out_(out), view_(std::move(view)), style_(style), clock_(clock), size_(std::move(size)) {}

void LiveDisplay::Event(SysTime at, EventKind kind, const EventPayload& payload,
                        const std::string& line) {
  ApplyLiveEvent(view_, at, kind, payload);
  if (stopped_) {
    out_ << line << std::flush;
    return;
  }
  if (view_.finished) {
    // The run's summary follows: the block goes, the ending line stays.
    if (!drawn_.empty()) out_ << fmt::format("\r\033[{}A\033[J", drawn_.size());
    drawn_.clear();
    out_ << line << std::flush;
    Stop();
    return;
  }
  Redraw(line, true);
}

void LiveDisplay::Say(const std::string& line) {
  if (stopped_) {
    out_ << line << std::flush;
    return;
  }
  Redraw(line, true);
}

void LiveDisplay::Warn(std::ostream& err, const std::string& text) {
  if (stopped_) {
    err << text << std::flush;
    return;
  }
  if (!drawn_.empty()) out_ << fmt::format("\r\033[{}A\033[J", drawn_.size()) << std::flush;
  drawn_.clear();
  err << text << std::flush;
  Redraw("", true);
}

void LiveDisplay::Redraw(const std::string& above, bool force) {
  LiveStyle style = style_;
  const Size size = size_ ? size_() : Size{};
  // One column short: a line exactly as wide as the terminal wraps on some terminals, and the
  // cursor arithmetic below counts lines.
  if (size.columns > 1) style.width = size.columns - 1;
  std::vector<std::string> block = RenderLiveBlock(view_, clock_.UtcNow(), style);
  // A blank line keeps the block apart from the run's lines above it.
  block.insert(block.begin(), std::string());
  // The whole block on the screen, with a row to spare for the cursor.
  if (size.rows >= 4 && block.size() > size.rows - 1) {
    const std::size_t keep = size.rows - 2;
    const std::size_t left_out = block.size() - keep;
    block.resize(keep);
    block.push_back(fmt::format("  ... {} more line{} (the terminal is too short to show them)",
                                left_out, left_out == 1 ? "" : "s"));
  }
  if (!force && block == drawn_) return;
  // One write per redraw: up over the old block, clear to the end of the screen, the new lines.
  std::string text;
  if (!drawn_.empty()) text += fmt::format("\r\033[{}A\033[J", drawn_.size());
  text += above;
  for (const std::string& l : block) text += l + "\n";
  out_ << text << std::flush;
  drawn_ = std::move(block);
}

boost::asio::awaitable<void> LiveDisplay::Tick(boost::asio::any_io_executor executor,
                                               Duration period) {
  timer_ = clock_.clock().MakeTimer(std::move(executor));
  while (!stopped_) {
    Redraw("", false);
    bool ticked = co_await timer_->WaitUntil(clock_.Now() + period);
    if (!ticked) break;
  }
}

void LiveDisplay::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!drawn_.empty()) out_ << fmt::format("\r\033[{}A\033[J", drawn_.size()) << std::flush;
  drawn_.clear();
  if (timer_) timer_->Cancel();
}

}  // namespace firedrill
