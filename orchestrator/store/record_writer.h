// The one writer of a state directory's records inside a process: a thread with its own
// database connection that appends events and updates the fault ledger in the order they are
// handed to it, so that an event loop never waits on the disk (an fsync, another process's
// lock) and the order of the records is the order of the facts.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "drills/expected.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Runs record-writing jobs on a thread of its own, one at a time, in the order given, each on
/// the writer's own Database connection to the state directory. Jobs must not throw. Every
/// member function is safe to call from any thread.
class RecordWriter {
 public:
  /// Opens its own read-write connection to `state_dir` and starts the thread. Fails like
  /// Database::Open.
  static Expected<std::unique_ptr<RecordWriter>> Open(const std::filesystem::path& state_dir);
  /// Runs every job already given, then stops the thread.
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  /// Queues `job`; it runs after every job given before it. Returns at once.
  void Post(std::function<void(Database&)> job);

  /// Queues `job` and completes the awaiting coroutine (on its own executor) with its result
  /// once it has run: for writes the caller must know are on disk before it goes on (a ledger
  /// entry before an inject). Usable with any Asio completion token.
  template <typename R, typename Token>
  auto Call(std::function<R(Database&)> job, boost::asio::any_io_executor executor, Token&& token) {
    return boost::asio::async_initiate<Token, void(R)>(
        [this, job = std::move(job), executor](auto handler) mutable {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          Post([job = std::move(job), executor, shared](Database& db) mutable {
            R result = job(db);
            boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
              (*shared)(std::move(result));
            });
          });
        },
        token);
  }

  /// Blocks until every job given so far has run (for code that is not on an event loop, and
  /// before reading back what was written).
  void Drain();

  /// True iff no job is queued or running.
  bool Idle() const;

 private:
  explicit RecordWriter(Database db);
  void Loop();

  Database db_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void(Database&)>> jobs_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace firedrill
