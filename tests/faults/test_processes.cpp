#include "tests/faults/test_processes.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

extern char** environ;

namespace firedrill::testing {

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

pid_t ReadPid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

char ProcessState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  const std::size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) return 0;
  return line[paren + 2];
}

bool IsRunning(pid_t pid) {
  const char state = ProcessState(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

TestProcesses::TestProcesses() {
  // mkdtemp's random suffix makes the name unique among concurrently running tests.
  const std::string dir_name = dir_.path().filename().string();
  name_ = "fd-test-" + dir_name.substr(dir_name.size() - 6);
  binary_ = dir_.path() / name_;
  std::error_code ec;
  std::filesystem::copy_file("/bin/sleep", binary_, ec);
  REQUIRE_FALSE(ec);
  std::filesystem::permissions(binary_, std::filesystem::perms::owner_all, ec);
  REQUIRE_FALSE(ec);
}

TestProcesses::~TestProcesses() {
  // Children first (a supervisor loop would otherwise restart the sleeper), then every process
  // still running the copy, whoever started it.
  for (pid_t pid : children_) ::kill(pid, SIGKILL);
  for (pid_t pid : children_) ::waitpid(pid, nullptr, 0);
  for (pid_t pid : Running()) ::kill(pid, SIGKILL);
}

pid_t TestProcesses::StartSleeper() { return Spawn({binary(), "300"}); }

pid_t TestProcesses::StartShell(const std::string& script) {
  return Spawn({"/bin/sh", "-c", script});
}

pid_t TestProcesses::Spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own: signals aimed at the test runner's group never reach it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  REQUIRE(rc == 0);
  children_.push_back(pid);
  return pid;
}

void TestProcesses::KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
}

void TestProcesses::ReapExited() {
  for (auto it = children_.begin(); it != children_.end();) {
    if (::waitpid(*it, nullptr, WNOHANG) == *it) {
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<pid_t> TestProcesses::Running() const {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid_text = entry.path().filename().string();
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm(entry.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name_) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (IsRunning(pid)) pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace firedrill::testing
