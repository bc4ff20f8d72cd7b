#include "tests/faults/tcp_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <utility>

namespace firedrill::testing {
namespace {

constexpr timeval kIoTimeout{5, 0};

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t size = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) return 0;
  return ntohs(addr.sin_port);
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() { return std::exchange(fd_, -1); }

UniqueFd ListenLoopback(int& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.get() >= 0);
  sockaddr_in addr = Loopback(0);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd.get(), 64) == 0);
  port = BoundPort(fd.get());
  REQUIRE(port > 0);
  return fd;
}

int FreeLoopbackPort() {
  int port = 0;
  UniqueFd fd = ListenLoopback(port);
  return port;
}

TcpTestServer::TcpTestServer(std::function<void(int fd)> handler)
    : handler_(std::move(handler)), listener_(ListenLoopback(port_)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpTestServer::~TcpTestServer() {
  stopping_ = true;
  // Wakes the blocked accept (Linux returns EINVAL from it after a shutdown).
  ::shutdown(listener_.get(), SHUT_RDWR);
  acceptor_.join();
  std::vector<std::thread> handlers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    handlers.swap(handlers_);
  }
  for (std::thread& t : handlers) t.join();
}

void TcpTestServer::AcceptLoop() {
  while (!stopping_) {
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    if (stopping_) {
      ::close(fd);
      return;
    }
    ++accepted_;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kIoTimeout, sizeof kIoTimeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kIoTimeout, sizeof kIoTimeout);
    std::lock_guard<std::mutex> lock(mutex_);
    open_.insert(fd);
    handlers_.emplace_back([this, fd] {
      handler_(fd);
      std::lock_guard<std::mutex> done(mutex_);
      open_.erase(fd);
      ::close(fd);
    });
  }
}

void Echo(int fd) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    if (!SendAll(fd, std::string_view(buffer, static_cast<std::size_t>(n)))) return;
  }
  ::shutdown(fd, SHUT_WR);
}

UniqueFd ConnectLoopback(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fd;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &kIoTimeout, sizeof kIoTimeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &kIoTimeout, sizeof kIoTimeout);
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr = Loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int saved = errno;
    fd = UniqueFd();
    errno = saved;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string Receive(int fd, std::size_t size) {
  std::string data;
  char buffer[64 * 1024];
  while (data.size() < size) {
    const std::size_t want = std::min(sizeof buffer, size - data.size());
    const ssize_t n = ::recv(fd, buffer, want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

std::string ReceiveAll(int fd) { return Receive(fd, std::string::npos); }

}  // namespace firedrill::testing
