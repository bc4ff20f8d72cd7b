// The control server itself: listening, the token, control.json, starting and stopping; its
// connections are control_session.cpp's.
#include "orchestrator/control/control_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include "orchestrator/control/control_client.h"
#include "orchestrator/control/control_server_impl.h"
#include "orchestrator/control/control_session.h"
#include "orchestrator/control/response_feed.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using asio::ip::tcp;
namespace fs = std::filesystem;
using control_internal::AcceptLoop;
using control_internal::IgnoreException;
using control_internal::State;

constexpr std::size_t kTokenBytes = 32;

Expected<std::string> NewToken() {
  std::array<unsigned char, kTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Error("cannot make a control token: the random number generator failed");
  }
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

// Writes `text` to `dir/control.json` so that readers see the old file or the whole new one,
// never a part, and nobody but us can read the token at any moment (mode 0600 from creation).
Status WriteControlFile(const fs::path& dir, const std::string& text) {
  fs::path final_path = dir / kControlFileName;
  fs::path tmp = dir / fmt::format("{}.{}.tmp", kControlFileName, getpid());
  auto fail = [&](const std::string& what, int fd) {
    Error e(fmt::format("cannot {} {}: {}", what, tmp.string(), std::strerror(errno)));
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return e;
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Left behind by an earlier process that had our pid and crashed mid-write.
    unlink(tmp.c_str());
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) return Error(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  if (fchmod(fd, 0600) != 0) return fail("chmod", fd);  // exactly 0600, whatever the umask
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) return fail("write", fd);
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail("write", fd);
  if (close(fd) != 0) return fail("write", -1);
  if (rename(tmp.c_str(), final_path.c_str()) != 0) return fail("rename", -1);
  // Best effort: make the rename itself durable.
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, fs::path state_dir, ControlHandler& handler,
                             ControlLimits limits, std::span<const ControlRoute> routes,
                             ControlAccess access)
    : state_(std::make_shared<control_internal::ServerState>(io, std::move(state_dir), handler,
                                                             limits, routes, std::move(access))) {}

ControlServer::~ControlServer() { Stop(); }

std::uint16_t ControlServer::port() const { return state_->port; }

const std::string& ControlServer::token() const { return state_->token; }

ControlStats ControlServer::stats() const {
  ControlStats out = state_->stats;
  out.connections_open = state_->admission.open();
  return out;
}

Status ControlServer::Start() {
  State& s = state_;
  if (s->serving) return Error("the control endpoint is already started");
  if (Status st = EnsureStateDir(s->state_dir); !st.ok()) return st;
  fs::path file = s->state_dir / kControlFileName;
  std::error_code fs_ec;
  if (fs::exists(file, fs_ec)) {
    auto other = LoadControlFile(file);
    if (other.ok() && other->pid != getpid() && ProcessAlive(other->pid)) {
      return Error(fmt::format(
          "another firedrill process (pid {}) already serves the control endpoint for state "
          "dir {}",
          other->pid, s->state_dir.string()));
    }
  }
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(s->access.address, ec);
  if (ec)
    return Error(fmt::format("cannot listen on \"{}\": not an IP address", s->access.address));
  if (!address.is_loopback() && !s->access.tls) {
    return Error(fmt::format(
        "will not listen on {} without TLS: the API carries bearer tokens, which must not cross "
        "a network in clear text; give a certificate and key (firedrill serve --tls-cert FILE "
        "--tls-key FILE) or listen on 127.0.0.1",
        s->access.address));
  }
  tcp::endpoint endpoint(address, s->access.port);
  s->acceptor.open(endpoint.protocol(), ec);
  // A restart (after a crash, SIGTERM or an upgrade) binds the same port while the connections
  // of the previous process sit in TIME-WAIT for a minute; without SO_REUSEADDR the bind fails
  // for that minute. It still fails while another socket listens there.
  if (!ec) s->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s->acceptor.bind(endpoint, ec);
  if (!ec) s->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) endpoint = s->acceptor.local_endpoint(ec);
  if (ec) {
    beast::error_code ignored;
    s->acceptor.close(ignored);
    return Error(fmt::format("cannot listen on {} port {} for the control endpoint: {}",
                             s->access.address, s->access.port, ec.message()));
  }
  auto token = NewToken();
  if (!token.ok()) {
    s->acceptor.close(ec);
    return token.error();
  }
  // Where a client on this host connects: loopback when listening on every address.
  std::string connect_to = address.is_unspecified()
                               ? (address.is_v6() ? std::string("::1") : std::string("127.0.0.1"))
                               : address.to_string();
  json::object doc{
      {"port", endpoint.port()}, {"token", *token}, {"pid", getpid()}, {"address", connect_to}};
  if (s->access.tls) {
    doc["tls"] = true;
    doc["cert"] = s->access.tls_cert_file;
  }
  if (Status st = WriteControlFile(s->state_dir, json::serialize(doc) + "\n"); !st.ok()) {
    s->acceptor.close(ec);
    return st;
  }
  s->port = endpoint.port();
  s->token = std::move(*token);
  s->serving = true;
  asio::co_spawn(s->io, AcceptLoop(s), IgnoreException);
  return Status::Ok();
}

void ControlServer::Stop() {
  State& s = state_;
  if (!s->serving) return;
  s->serving = false;
  beast::error_code ignored;
  s->acceptor.close(ignored);
  // The io_context runs on one thread and Stop runs on it, so no connection's strand is running
  // now; closing makes each pending read or write complete with operation_aborted.
  std::vector<beast::tcp_stream*> open;
  for (const auto& [id, stream] : s->connections) open.push_back(stream);
  for (beast::tcp_stream* stream : open) stream->close();
  // A stream waiting for its next event is woken by the close of its feed.
  std::vector<std::shared_ptr<ResponseFeed>> feeds;
  for (const auto& [id, feed] : s->feeds) feeds.push_back(feed);
  for (const std::shared_ptr<ResponseFeed>& feed : feeds) feed->Close();
  fs::path file = s->state_dir / kControlFileName;
  auto ours = LoadControlFile(file);
  if (ours.ok() && ours->pid == getpid() && ours->token == s->token) {
    std::error_code ec;
    fs::remove(file, ec);
  }
}

}  // namespace firedrill
