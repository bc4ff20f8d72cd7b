#include "orchestrator/control/response_feed.h"

#include <utility>

namespace firedrill {
namespace {

std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

}  // namespace

void ResponseFeed::Push(std::string_view text) {
  if (closed_) return;
  pending_ += text;
  if (wake_) wake_();
}

void ResponseFeed::Close() {
  if (closed_) return;
  closed_ = true;
  if (wake_) wake_();
}

std::string ResponseFeed::Take() { return std::exchange(pending_, {}); }

void ResponseFeed::Attach(std::function<void()> wake) {
  wake_ = std::move(wake);
  open_ = true;
}

void ResponseFeed::Detach() {
  wake_ = nullptr;
  open_ = false;
}

std::string ServerSentEvent(std::string_view name, std::string_view id, std::string_view data) {
  std::string out = "event: " + OneLine(name) + "\n";
  if (!id.empty()) out += "id: " + OneLine(id) + "\n";
  std::size_t start = 0;
  while (true) {
    std::size_t end = data.find('\n', start);
    std::string_view line = data.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += "data: ";
    for (char c : line) out += c == '\r' ? ' ' : c;
    out += "\n";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out + "\n";
}

}  // namespace firedrill
