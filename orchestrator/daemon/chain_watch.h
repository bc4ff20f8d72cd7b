// The daemon's own check of its records: the whole event chain verified now and then on a
// worker thread with its own connection, so that the console can say whether the records
// verify, and since when, without a page waiting for a walk over every event.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "drills/drill.h"

namespace firedrill {

/// The latest verification of the records.
struct ChainStatus {
  bool ok = false;
  std::string text;  ///< for people: what verified, or what is wrong, or why it could not be read
  SysTime at;        ///< when the check ended
};

/// Verifies the event chain of a state directory in the background. Loop thread only, apart from
/// the check itself.
class ChainWatch {
 public:
  /// Results are delivered on `io`'s thread. `io` must outlive this object.
  ChainWatch(boost::asio::io_context& io, std::filesystem::path state_dir);
  /// Waits for a check under way.
  ~ChainWatch();
  ChainWatch(const ChainWatch&) = delete;
  ChainWatch& operator=(const ChainWatch&) = delete;

  /// Starts a check now, or right after the one under way ends (several requests meanwhile make
  /// one check).
  void Request();
  /// The latest result, if a check has ended.
  const std::optional<ChainStatus>& latest() const;

 private:
  struct Shared;
  void Start();
  boost::asio::io_context& io_;
  std::filesystem::path state_dir_;
  std::shared_ptr<Shared> shared_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace firedrill
