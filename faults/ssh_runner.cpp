#include "faults/ssh_runner.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

namespace firedrill {

namespace asio = boost::asio;

SshRunner::SshRunner(SshEndpoint endpoint) : transport_(SshTransport::Shared()) {
  session_ = SshSession::Create(transport_->io(), std::move(endpoint));
  where_ = session_->Describe();
}

SshRunner::~SshRunner() {
  // The session's socket is registered with the transport's loop: let go of it there.
  std::promise<void> done;
  asio::post(transport_->io(), [s = std::move(session_), &done]() mutable {
    s.reset();
    done.set_value();
  });
  done.get_future().wait();
}

Expected<CommandResult> SshRunner::Run(const std::string& command, Duration timeout) {
  try {
    std::promise<Expected<CommandResult>> result;
    asio::co_spawn(
        transport_->io(),
        [&]() -> asio::awaitable<void> {
          result.set_value(co_await session_->Exec(command, timeout));
        },
        [&](std::exception_ptr e) {
          if (e) result.set_exception(e);
        });
    return result.get_future().get();
  } catch (const std::exception& e) {
    return Error{fmt::format("ssh {}: {}", where_, e.what())};
  }
}

Status SshRunner::Connect() {
  try {
    std::promise<Status> result;
    asio::co_spawn(
        transport_->io(),
        [&]() -> asio::awaitable<void> { result.set_value(co_await session_->Connect()); },
        [&](std::exception_ptr e) {
          if (e) result.set_exception(e);
        });
    return result.get_future().get();
  } catch (const std::exception& e) {
    return Error{fmt::format("ssh {}: {}", where_, e.what())};
  }
}

std::optional<SshConnectInfo> SshRunner::ConnectInfo() {
  std::promise<std::optional<SshConnectInfo>> info;
  asio::post(transport_->io(), [&] { info.set_value(session_->connect_info()); });
  return info.get_future().get();
}

std::string SshRunner::Describe() const { return where_; }

}  // namespace firedrill
