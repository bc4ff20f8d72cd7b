#include "orchestrator/daemon/chain_watch.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "drills/zoned_time.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

// What the loop and the worker share: written on the loop thread only.
struct ChainWatch::Shared {
  std::optional<ChainStatus> latest;
  bool running = false;
  bool again = false;
};

namespace {

ChainStatus Check(const std::filesystem::path& state_dir) {
  auto db = Database::Open(state_dir, OpenMode::kReadOnly);
  if (!db.ok()) return {false, "The records could not be read: " + db.error().message, NowUtc()};
  auto report = EventLog(*db).Verify();
  if (!report.ok()) {
    return {false, "The records could not be read: " + report.error().message, NowUtc()};
  }
  if (!report->ok) {
    return {false, "THE RECORD DOES NOT VERIFY: " + report->problem, NowUtc()};
  }
  return {true,
          fmt::format("The event chain verifies: {} events, head hash {}.", report->events_checked,
                      Hex(report->head_hash)),
          NowUtc()};
}

}  // namespace

ChainWatch::ChainWatch(boost::asio::io_context& io, std::filesystem::path state_dir)
    : io_(io), state_dir_(std::move(state_dir)), shared_(std::make_shared<Shared>()) {}

ChainWatch::~ChainWatch() { pool_.join(); }

void ChainWatch::Request() {
  if (shared_->running) {
    shared_->again = true;
    return;
  }
  Start();
}

const std::optional<ChainStatus>& ChainWatch::latest() const { return shared_->latest; }

void ChainWatch::Start() {
  shared_->running = true;
  shared_->again = false;
  boost::asio::post(pool_, [this, shared = shared_, dir = state_dir_] {
    ChainStatus status = Check(dir);
    // Back on the loop; `this` is alive there: the destructor joins this worker first, and the
    // io_context runs no handler once the daemon is gone.
    boost::asio::post(io_, [this, shared, status = std::move(status)]() mutable {
      shared->latest = std::move(status);
      shared->running = false;
      if (shared->again) Start();
    });
  });
}

}  // namespace firedrill
