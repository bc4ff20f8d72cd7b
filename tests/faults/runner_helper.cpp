// A process that runs one command through a runner and is killed by a test while the command
// runs: how the tests play an orchestrator that dies mid-inject.
//
// Usage: faults_runner_helper [--gated IDENTITY_FILE [--hold]] local COMMAND
//        faults_runner_helper [--gated IDENTITY_FILE [--hold]] ssh HOST PORT USER IDENTITY
//                             KNOWN_HOSTS COMMAND
// With --gated, the command runs behind the gate and its process identity is written to
// IDENTITY_FILE (as JSON, through a temp file and a rename) before it is let through; with
// --hold, it is never let through (the hook does not return): the helper dies before "go".
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "faults/ssh_runner.h"

using namespace firedrill;

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: faults_runner_helper [--gated FILE] local COMMAND\n"
               "       faults_runner_helper [--gated FILE] ssh HOST PORT USER IDENTITY "
               "KNOWN_HOSTS COMMAND\n");
  return 2;
}

// Writes the identity where the test waits for it; a temp file and a rename, so the test never
// reads half of it. With `hold`, then waits (an hour) for the test to kill this process.
boost::asio::awaitable<Status> WriteIdentity(std::string path, ProcessIdentity identity,
                                             bool hold) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp);
    out << boost::json::serialize(boost::json::value_from(identity));
    if (!out) co_return Error("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) co_return Error("cannot rename " + temp + ": " + ec.message());
  if (hold) {
    const auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer(executor, std::chrono::hours(1));
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  co_return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string identity_file;
  bool hold = false;
  if (args.size() >= 2 && args[0] == "--gated") {
    identity_file = args[1];
    args.erase(args.begin(), args.begin() + 2);
    if (!args.empty() && args[0] == "--hold") {
      hold = true;
      args.erase(args.begin());
    }
  }
  std::unique_ptr<CommandRunner> runner;
  if (args.size() == 2 && args[0] == "local") {
    runner = std::make_unique<LocalRunner>();
  } else if (args.size() == 7 && args[0] == "ssh") {
    SshEndpoint endpoint;
    endpoint.host = args[1];
    endpoint.port = std::stoi(args[2]);
    endpoint.user = args[3];
    endpoint.identity = args[4];
    endpoint.known_hosts = args[5];
    runner = std::make_unique<SshRunner>(endpoint);
  } else {
    return Usage();
  }
  RunHooks hooks;
  if (!identity_file.empty()) {
    hooks.on_started = [identity_file, hold](const ProcessIdentity& identity) {
      return WriteIdentity(identity_file, identity, hold);
    };
  }
  Expected<CommandResult> result =
      RunBlocking(runner->Run(args.back(), std::chrono::seconds(60), hooks));
  if (!result) {
    std::fprintf(stderr, "%s\n", result.error().message.c_str());
    return 1;
  }
  return result->exit_code;
}
