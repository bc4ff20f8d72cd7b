// The dead man's switch on a real shell (the local runner: the switch is the same shell script
// over SSH): armed, it waits with its name in its command line; disarmed, its whole process
// group is gone and its restore never runs; a reused pid is never killed.
#include "orchestrator/engine/dead_mans_switch.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "tests/support/temp_dir.h"

namespace firedrill::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path PidFile(const std::string& run, const std::string& fault) {
  return fs::path("/tmp") / (DeadMansSwitchName(run, fault) + ".pid");
}

// The pid the switch's pid file names; 0 if there is none.
pid_t PidIn(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// Whether a live (not zombie) process `pid` carries `name` in its command line.
bool Running(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(name) != std::string::npos;
}

// Whether a process other than a zombie is in process group `pgid`.
bool GroupAlive(pid_t pgid) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    std::getline(in, stat);
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    char state = 0;
    long ppid = 0;
    long group = 0;
    rest >> state >> ppid >> group;
    if (group == pgid && state != 'Z') return true;
  }
  return false;
}

// Removes what a switch leaves in /tmp, whatever the test did.
struct SwitchFiles {
  std::string name;
  ~SwitchFiles() {
    std::error_code ec;
    fs::remove("/tmp/" + name + ".pid", ec);
    fs::remove("/tmp/" + name + ".log", ec);
  }
};

std::string UniqueRun() { return "dms-test-" + std::to_string(::getpid()); }

}  // namespace

TEST_CASE("dead man's switch: disarming kills its group by its pid file and nothing fires",
          "[engine][deadman]") {
  TempDir tmp;
  LocalRunner runner;
  const std::string run = UniqueRun();
  SwitchFiles files{DeadMansSwitchName(run, "f1")};
  const fs::path fired = tmp.path() / "fired";
  REQUIRE(RunBlocking(ArmDeadMansSwitch(runner, run, "f1", 300s, "touch '" + fired.string() + "'"))
              .ok());
  const pid_t pid = PidIn(PidFile(run, "f1"));
  REQUIRE(pid > 0);
  CHECK(Running(pid, files.name));
  CHECK(::getpgid(pid) == pid);  // it leads its group: the disarm kills the group

  REQUIRE(RunBlocking(DisarmDeadMansSwitch(runner, run, "f1")).ok());
  CHECK_FALSE(Running(pid, files.name));
  // Nothing of its group is left (its sleep included) once the signal has been delivered.
  bool gone = false;
  for (int i = 0; i < 100 && !(gone = !GroupAlive(pid)); ++i) ::usleep(20'000);
  CHECK(gone);
  CHECK_FALSE(fs::exists(PidFile(run, "f1")));
  CHECK_FALSE(fs::exists(fired));
  // Idempotent: a second disarm finds nothing and succeeds.
  CHECK(RunBlocking(DisarmDeadMansSwitch(runner, run, "f1")).ok());
}

TEST_CASE("dead man's switch: a switch without a pid file is found by its command line",
          "[engine][deadman]") {
  LocalRunner runner;
  const std::string run = UniqueRun();
  SwitchFiles files{DeadMansSwitchName(run, "f2")};
  REQUIRE(RunBlocking(ArmDeadMansSwitch(runner, run, "f2", 300s, "true")).ok());
  const pid_t pid = PidIn(PidFile(run, "f2"));
  REQUIRE(pid > 0);
  fs::remove(PidFile(run, "f2"));  // as an older firedrill armed it
  REQUIRE(RunBlocking(DisarmDeadMansSwitch(runner, run, "f2")).ok());
  CHECK_FALSE(Running(pid, files.name));
}

TEST_CASE("dead man's switch: a pid file naming another process kills nothing",
          "[engine][deadman]") {
  LocalRunner runner;
  const std::string run = UniqueRun();
  SwitchFiles files{DeadMansSwitchName(run, "f3")};
  // A process that is not the switch holds the pid the file names (a reused pid).
  const pid_t other = ::fork();
  REQUIRE(other >= 0);
  if (other == 0) {
    ::setpgid(0, 0);
    ::execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(other, other);
  std::ofstream(PidFile(run, "f3")) << other << "\n";
  CHECK(RunBlocking(DisarmDeadMansSwitch(runner, run, "f3")).ok());
  CHECK(::kill(other, 0) == 0);  // still alive
  ::kill(other, SIGKILL);
  ::waitpid(other, nullptr, 0);
}

}  // namespace firedrill::testing
