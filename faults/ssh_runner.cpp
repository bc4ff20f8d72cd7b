#include "faults/ssh_runner.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <future>

#include "faults/gated_command.h"
#include "faults/run_on.h"

namespace firedrill {

namespace asio = boost::asio;

namespace {

// What the gate of one command saw, written on the transport thread while the caller waits.
struct GateLog {
  bool announced = false;
  std::optional<Error> refused;
};

// Returns the session's connect info, read on the transport thread that owns the session.
asio::awaitable<std::optional<SshConnectInfo>> InfoOf(std::shared_ptr<SshSession> session) {
  co_return session->connect_info();
}

}  // namespace

SshRunner::SshRunner(SshEndpoint endpoint) : transport_(SshTransport::Shared()) {
  session_ = SshSession::Create(transport_->io(), std::move(endpoint));
  where_ = session_->Describe();
}

SshRunner::~SshRunner() {
  // The session's socket is registered with the transport's loop: let go of it there. Waited
  // for, so that the transport (which this runner may hold last) is never torn down before.
  std::promise<void> done;
  asio::post(transport_->io(), [s = std::move(session_), &done]() mutable {
    s.reset();
    done.set_value();
  });
  done.get_future().wait();
}

asio::awaitable<Expected<CommandResult>> SshRunner::Execute(std::string command, Duration timeout,
                                                            RunHooks hooks) {
  const auto caller = co_await asio::this_coro::executor;
  GateLog log;
  SshSession::Gate gate;
  if (hooks.on_started) {
    // Runs on the transport thread; the hook itself runs on the caller's executor.
    gate = [&log, &hooks, caller, where = where_](std::string line) -> asio::awaitable<Status> {
      log.announced = true;
      std::optional<AnnounceLine> wrapper = ParseAnnounceLine(line);
      ProcessIdentity identity;
      if (wrapper) {
        identity.pid = wrapper->pgid;
        identity.pgid = wrapper->pgid;
        identity.start_time = wrapper->start_time;
        identity.boot_id = wrapper->boot_id;
        identity.where = where;
      }
      Status valid = wrapper ? ValidateIdentity(identity)
                             : Status(Error(fmt::format("unexpected first line \"{}\"", line)));
      if (!valid) {
        log.refused = valid.error();
        co_return valid;
      }
      Status accepted = co_await RunOn(caller, hooks.on_started(identity));
      if (!accepted) log.refused = accepted.error();
      co_return accepted;
    };
  }
  try {
    Expected<CommandResult> result = co_await RunOn(
        transport_->io().get_executor(), session_->Exec(std::move(command), timeout, gate));
    if (!result || !hooks.on_started) co_return result;
    if (log.refused) {
      co_return Error(
          fmt::format("ssh {}: the command was not started: {}", where_, log.refused->message));
    }
    if (!log.announced) {
      co_return Error(
          fmt::format("ssh {}: the command was not started: its gate wrapper failed: {}", where_,
                      SummarizeFailure(*result, timeout)));
    }
    co_return result;
  } catch (const std::exception& e) {
    co_return Error{fmt::format("ssh {}: {}", where_, e.what())};
  }
}

asio::awaitable<Status> SshRunner::Connect() {
  try {
    co_return co_await RunOn(transport_->io().get_executor(), session_->Connect());
  } catch (const std::exception& e) {
    co_return Error{fmt::format("ssh {}: {}", where_, e.what())};
  }
}

asio::awaitable<std::optional<SshConnectInfo>> SshRunner::ConnectInfo() {
  co_return co_await RunOn(transport_->io().get_executor(), InfoOf(session_));
}

std::string SshRunner::Describe() const { return where_; }

}  // namespace firedrill
