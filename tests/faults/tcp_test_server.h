// Plain blocking TCP on the loopback interface for the proxy tests: a server that runs a handler
// per connection on a thread of its own, and the client side (connect, send, receive) with
// timeouts so that a broken proxy fails a test instead of hanging it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace firedrill::testing {

/// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  /// Takes ownership of `fd` (-1 for none).
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  /// Returns the descriptor (-1 for none).
  int get() const { return fd_; }
  /// Gives up ownership and returns the descriptor.
  int release();

 private:
  int fd_;
};

/// A TCP server on 127.0.0.1 with a port picked by the kernel. Runs `handler(fd)` for each
/// accepted connection on a thread of its own and closes the connection when it returns. The
/// destructor stops accepting, shuts down the connections still open (so blocked handlers
/// return) and joins every thread.
class TcpTestServer {
 public:
  /// Starts listening and accepting; fails the test if it cannot.
  explicit TcpTestServer(std::function<void(int fd)> handler);
  ~TcpTestServer();
  TcpTestServer(const TcpTestServer&) = delete;
  TcpTestServer& operator=(const TcpTestServer&) = delete;

  /// The port it listens on.
  int port() const { return port_; }
  /// How many connections it has accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop();

  std::function<void(int)> handler_;
  int port_ = 0;  // before listener_, whose initialisation sets it
  UniqueFd listener_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::set<int> open_;                 // connections whose handler still runs; guarded by mutex_
  std::vector<std::thread> handlers_;  // guarded by mutex_
  std::thread acceptor_;
};

/// A handler that sends back everything it receives until the peer ends its stream, then ends
/// its own.
void Echo(int fd);

/// Connects to 127.0.0.1:`port` with 5 s send and receive timeouts; returns the socket, or -1
/// with errno set.
UniqueFd ConnectLoopback(int port);

/// Writes all of `data`; returns false on an error (errno says which).
bool SendAll(int fd, std::string_view data);

/// Reads until `size` bytes came, the stream ended or an error (or the 5 s timeout) occurred;
/// returns what was read.
std::string Receive(int fd, std::size_t size);

/// Reads until the stream ends (or an error); returns what was read.
std::string ReceiveAll(int fd);

/// Returns a TCP port on 127.0.0.1 that was free a moment ago (bound, then released).
int FreeLoopbackPort();

/// Returns a socket listening on 127.0.0.1 with a port picked by the kernel, stored in `port`.
UniqueFd ListenLoopback(int& port);

}  // namespace firedrill::testing
