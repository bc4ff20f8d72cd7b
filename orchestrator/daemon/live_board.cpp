#include "orchestrator/daemon/live_board.h"

#include <algorithm>

#include "drills/drill_plan.h"
#include "orchestrator/console/live_page.h"

namespace firedrill {

void LiveBoard::Begin(const Drill& drill, SysTime now) {
  Board& board = boards_[drill.id];
  board.view = MakeLiveView(drill, PlanDrill(drill), drill.wheel.has_value());
  Push(board, now);
}

void LiveBoard::Apply(const std::string& id, SysTime at, EventKind kind,
                      const EventPayload& payload, SysTime now) {
  auto it = boards_.find(id);
  if (it == boards_.end()) return;
  ApplyLiveEvent(it->second.view, at, kind, payload);
  Push(it->second, now);
}

void LiveBoard::End(const std::string& id, SysTime now) {
  auto it = boards_.find(id);
  if (it == boards_.end()) return;
  Board& board = it->second;
  board.view.finished = true;
  Push(board, now);
  for (const std::weak_ptr<ResponseFeed>& weak : board.followers) {
    if (std::shared_ptr<ResponseFeed> feed = weak.lock()) {
      feed->Push(ServerSentEvent("end", std::to_string(board.events), board.view.outcome));
      feed->Close();
    }
  }
  board.followers.clear();
}

const LiveView* LiveBoard::View(const std::string& id) const {
  auto it = boards_.find(id);
  return it == boards_.end() ? nullptr : &it->second.view;
}

std::shared_ptr<ResponseFeed> LiveBoard::Follow(const std::string& id, SysTime now) {
  auto it = boards_.find(id);
  if (it == boards_.end()) return nullptr;
  Board& board = it->second;
  auto feed = std::make_shared<ResponseFeed>();
  feed->Push(
      ServerSentEvent("live", std::to_string(board.events), LiveSectionHtml(board.view, now)));
  if (board.view.finished) {
    feed->Push(ServerSentEvent("end", std::to_string(board.events), board.view.outcome));
    feed->Close();
  } else {
    board.followers.push_back(feed);
  }
  return feed;
}

std::size_t LiveBoard::followers() const {
  std::size_t n = 0;
  for (const auto& [id, board] : boards_) {
    for (const std::weak_ptr<ResponseFeed>& weak : board.followers) {
      if (auto feed = weak.lock(); feed && !feed->closed()) ++n;
    }
  }
  return n;
}

void LiveBoard::Push(Board& board, SysTime now) {
  ++board.events;
  std::erase_if(board.followers, [](const std::weak_ptr<ResponseFeed>& weak) {
    std::shared_ptr<ResponseFeed> feed = weak.lock();
    return !feed || feed->closed() || (!feed->open() && feed->pending() > kMaxBacklog);
  });
  if (board.followers.empty()) return;
  // Rendered once for every follower: the section holds no viewer's button.
  std::string event =
      ServerSentEvent("live", std::to_string(board.events), LiveSectionHtml(board.view, now));
  for (const std::weak_ptr<ResponseFeed>& weak : board.followers) {
    std::shared_ptr<ResponseFeed> feed = weak.lock();
    if (feed->pending() > kMaxBacklog) {
      feed->Close();  // a page that stopped reading gets no more
      continue;
    }
    feed->Push(event);
  }
}

}  // namespace firedrill
