#include "faults/ssh_transport.h"

#include <mutex>

namespace firedrill {

std::shared_ptr<SshTransport> SshTransport::Shared() {
  static std::mutex mutex;
  static std::weak_ptr<SshTransport> current;
  std::lock_guard lock(mutex);
  std::shared_ptr<SshTransport> t = current.lock();
  if (!t) {
    t = std::shared_ptr<SshTransport>(new SshTransport());
    current = t;
  }
  return t;
}

SshTransport::SshTransport() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

SshTransport::~SshTransport() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace firedrill
