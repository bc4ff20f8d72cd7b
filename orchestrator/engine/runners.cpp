#include "orchestrator/engine/runners.h"

#include <fmt/format.h>

#include <cstdlib>

#include "faults/local_runner.h"
#include "faults/ssh_runner.h"

namespace firedrill {

namespace {

// "~/x" is the user's home; other paths are taken as they are.
std::string ExpandHome(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (path.rfind("~/", 0) == 0 && home != nullptr) return std::string(home) + path.substr(1);
  return path;
}

}  // namespace

Expected<std::unique_ptr<CommandRunner>> MakeRunner(const Target& target) {
  if (target.is_local()) return std::unique_ptr<CommandRunner>(std::make_unique<LocalRunner>());
  const SshTarget& ssh = std::get<SshTarget>(target.where);
  SshEndpoint ep;
  ep.host = ssh.host;
  ep.port = ssh.port;
  ep.user = ssh.user;
  ep.identity = ExpandHome(ssh.identity);
  ep.known_hosts = ExpandHome(ssh.known_hosts);
  ep.accept_new_host_key = ssh.accept_new_host_key;
  return std::unique_ptr<CommandRunner>(std::make_unique<SshRunner>(std::move(ep)));
}

CommandRunner* FindRunner(const RunnerMap& runners, const std::string& name) {
  auto it = runners.find(name);
  return it == runners.end() ? nullptr : it->second.get();
}

}  // namespace firedrill
