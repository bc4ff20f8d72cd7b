#include "tests/faults/runtime_test_support.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace firedrill::testing {
namespace {

struct StatFields {
  char state = '?';
  pid_t pgid = -1;
};

// Reads the state and process group from /proc/PID/stat; the name before them may hold spaces.
bool ReadStat(pid_t pid, StatFields& fields) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(file, line)) return false;
  const std::size_t close = line.rfind(") ");
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  pid_t ppid = 0;
  return static_cast<bool>(rest >> fields.state >> ppid >> fields.pgid);
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long pid = std::strtol(name.c_str(), &end, 10);
    if (!name.empty() && *end == '\0') pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

}  // namespace

FaultSpec MakeSpec(const std::string& kind, const std::string& id, const Values& values) {
  BuildResult built = Build(kind, values);
  for (const Error& error : built.errors) UNSCOPED_INFO(error.ToString());
  REQUIRE(built.errors.empty());
  REQUIRE(built.params != nullptr);
  FaultSpec spec;
  spec.id = id;
  spec.kind = kind;
  spec.target = "local";
  spec.params = built.params;
  spec.raw = values.get();
  return spec;
}

bool IsRoot() { return ::geteuid() == 0; }

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

CommandResult RunLocal(const std::string& command) {
  LocalRunner runner;
  Expected<CommandResult> result = RunBlocking(runner.Run(command, std::chrono::seconds(30)));
  REQUIRE(result.ok());
  return *result;
}

boost::asio::awaitable<Expected<CommandResult>> PathlessRunner::Execute(std::string command,
                                                                        Duration timeout,
                                                                        RunHooks hooks) {
  co_return co_await local_.Run("PATH=" + empty_dir_ + "; export PATH; " + command, timeout,
                                std::move(hooks));
}

KillGroupAtExit::~KillGroupAtExit() {
  // Never signal group 0 or 1 (this process's own group, or everything).
  if (pgid_ > 1) ::kill(-pgid_, SIGKILL);
}

std::vector<pid_t> PidsWithEnvironment(const std::string& entry) {
  std::vector<pid_t> found;
  for (pid_t pid : AllPids()) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    const std::string environ((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    std::istringstream entries(environ);
    std::string one;
    while (std::getline(entries, one, '\0')) {
      if (one == entry) {
        found.push_back(pid);
        break;
      }
    }
  }
  return found;
}

std::vector<pid_t> LiveProcessesInGroup(pid_t pgid) {
  std::vector<pid_t> live;
  for (pid_t pid : AllPids()) {
    StatFields fields;
    if (ReadStat(pid, fields) && fields.pgid == pgid && fields.state != 'Z') live.push_back(pid);
  }
  return live;
}

pid_t GroupLeaderWithEnvironment(const std::string& entry) {
  const std::vector<pid_t> pids = PidsWithEnvironment(entry);
  std::vector<pid_t> leaders;
  for (pid_t pid : pids) {
    if (ProcessGroupOf(pid) == pid) leaders.push_back(pid);
  }
  REQUIRE(leaders.size() == 1);
  for (pid_t pid : pids) CHECK(ProcessGroupOf(pid) == leaders[0]);
  return leaders[0];
}

pid_t ProcessGroupOf(pid_t pid) {
  StatFields fields;
  return ReadStat(pid, fields) ? fields.pgid : -1;
}

std::uint64_t ResidentBytes(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream words(line.substr(6));
      std::uint64_t kib = 0;
      if (words >> kib) return kib * 1024;
    }
  }
  return 0;
}

}  // namespace firedrill::testing
