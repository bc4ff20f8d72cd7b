// The event loop every SSH session of this process runs on: one thread, shared, started on
// first use and stopped when its last user lets go.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

namespace firedrill {

/// One io_context on one thread for SSH I/O. Blocking callers (the engine's worker pool) hand
/// work to it and wait for the result; the sessions themselves never block.
class SshTransport {
 public:
  /// Returns the process's transport, creating and starting it if no one holds it.
  static std::shared_ptr<SshTransport> Shared();

  /// Stops the loop and joins its thread. Work still queued is dropped.
  ~SshTransport();
  SshTransport(const SshTransport&) = delete;
  SshTransport& operator=(const SshTransport&) = delete;

  /// The loop; post or co_spawn onto it.
  boost::asio::io_context& io() { return io_; }

 private:
  SshTransport();

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace firedrill
