// Helpers for the plugin tests.
#include "tests/plugins/plugin_test_support.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace firedrill::testing {

std::string WritePlugin(const std::filesystem::path& dir, const std::string& name,
                        const std::string& text) {
  const std::filesystem::path path = dir / name;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                std::filesystem::perms::others_exec);
  return path.string();
}

std::string FindProgram(const std::string& name, const std::string& extra_dir) {
  std::string dirs = extra_dir;
  if (const char* path = std::getenv("PATH")) dirs += ":" + std::string(path);
  std::stringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace firedrill::testing

namespace firedrill::testing {

std::string DrillWithFault(const std::string& kind, const std::string& param_lines) {
  return R"(id = "plugin-drill"
title = "Plugin drill"
service = "svc"
owner = "lead@example.com"
playbook = "https://wiki.example.com/svc"

[window]
start = 2027-03-04T10:00:00
end = 2027-03-04T11:00:00
zone = "Europe/Copenhagen"

[announce]
attendees = ["alice@example.com"]

[[participants]]
name = "alice@example.com"
role = "incident-commander"

[targets.here]
local = true

[[faults]]
id = "f1"
kind = ")" +
         kind + "\"\ntarget = \"here\"\n" + param_lines + "\n";
}

}  // namespace firedrill::testing
