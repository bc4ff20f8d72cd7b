// Runs whole drills with short windows (seconds) through the real `firedrill` binary and
// asserts the final state of the real system, not just what was printed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/doc_output.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_sshd.h"

using namespace firedrill;
using firedrill::testing::EventKinds;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct DrillFiles {
  fs::path drill;
  fs::path marker;  // exists while the fault is in place
  fs::path state;
};

// A drill whose fault creates a marker file and whose probe is green while it is absent. The
// window opens `open_in` from now and auto-restore begins `active` after that.
DrillFiles WriteDrill(const fs::path& dir, Duration open_in, Duration active,
                      const std::string& restore = "", const std::string& extra = "") {
  DrillFiles f{dir / "drill.toml", dir / "fault-in-place", dir / "state"};
  SysTime start = NowUtc() + open_in;
  SysTime end = start + active + std::chrono::seconds(1);  // + the fault's restore_timeout
  std::ofstream out(f.drill);
  out << "id = \"e2e\"\ntitle = \"end to end\"\nservice = \"demo\"\nowner = \"lead@example.com\"\n"
      << "playbook = \"runbook.md\"\n"
      << "[window]\nstart = " << FormatUtc(start) << "\nend = " << FormatUtc(end)
      << "\nzone = \"UTC\"\ngrace = \"20s\"\n"
      << "[targets.here]\nlocal = true\n"
      << "[[faults]]\nid = \"marker\"\nkind = \"command\"\ntarget = \"here\"\n"
      << "inject = \"touch '" << f.marker.string() << "'\"\n"
      << "check = \"test -f '" << f.marker.string() << "'\"\n"
      << "restore = \"" << (restore.empty() ? "rm -f '" + f.marker.string() + "'" : restore)
      << "\"\nrestore_timeout = \"1s\"\n"
      << "[[probes]]\nname = \"no-marker\"\nkind = \"command\"\ntarget = \"here\"\n"
      << "command = \"test ! -f '" << f.marker.string() << "'\"\ninterval = \"200ms\"\n"
      << "timeout = \"150ms\"\nhealthy_after = 2\n"
      << extra;
  return f;
}

}  // namespace

// The restore at the restore point itself is the engine's arithmetic, tested in simulated time
// (tests/orchestrator/engine: "nobody reacts"); here the real binary with a real fault and probe,
// ended by the lead once the probe saw the outage, whatever the load.
TEST_CASE("nobody reacts: the probe sees the outage, the lead ends the drill, all is restored",
          "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 120s);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(f.state), "probe-red"); }, 20s));
  CHECK(fs::exists(f.marker));
  fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  {
    Firedrill abort(other, {"abort", "--reason", "nobody reacted", "--state", f.state.string()});
    CHECK(abort.Wait() == kExitOk);
  }
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "fault-injected"));
  CHECK(Has(kinds, "probe-red"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK_FALSE(Has(kinds, "recovered"));
  CHECK_THAT(fd.Output(), Catch::Contains("nobody reacted"));
  {
    // run-started carries the drill's text and the facts the audit reads without parsing it.
    auto db = Database::Open(f.state, OpenMode::kReadOnly);
    REQUIRE(db.ok());
    auto events = EventLog(*db).ForDrill("e2e");
    REQUIRE(events.ok());
    REQUIRE_FALSE(events->empty());
    CHECK(events->front().kind == "run-started");
    CHECK_THAT(events->front().payload_json,
               Catch::Contains("\"drill_facts\":{\"service\":\"demo\"") &&
                   Catch::Contains("\"has_probes\":true") && Catch::Contains("\"source\":"));
  }
  // The run leaves a pre-filled postmortem that says so plainly, and a signed checkpoint.
  std::vector<fs::path> postmortems;
  for (const auto& e : fs::directory_iterator(f.state / "postmortems")) postmortems.push_back(e);
  REQUIRE(postmortems.size() == 1);
  std::ifstream pm(postmortems[0]);
  std::string text((std::istreambuf_iterator<char>(pm)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("aborted"));
  Firedrill verify(tmp.path(), {"records", "verify", "--state", f.state.string()});
  int verified = verify.Wait();
  INFO(verify.Output());
  CHECK(verified == kExitOk);
  CHECK_THAT(verify.Output(), Catch::Contains("checkpoint"));
}

TEST_CASE("the team recovers in time: probes confirm it and restore is idempotent", "[e2e]") {
  TempDir tmp;
  // A window far longer than the test: once the probes confirm the recovery, the lead ends the
  // drill (abort). The test waits on recorded events only, however slow the machine.
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 120s);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(f.state), "probe-red"); }, 20s));
  // The responder says so, then fixes it: the team's recovery, not the system's.
  fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  {
    Firedrill ack(other, {"ack", "detected", "--by", "alice", "--state", f.state.string()});
    int ack_status = ack.Wait();
    INFO(ack.Output());
    CHECK(ack_status == kExitOk);
  }
  fs::remove(f.marker);
  REQUIRE(Eventually([&] { return Has(EventKinds(f.state), "recovered"); }, 20s));
  {
    Firedrill abort(
        other, {"abort", "--reason", "recovered, practice is over", "--state", f.state.string()});
    CHECK(abort.Wait() == kExitOk);
  }
  int status = fd.Wait();
  INFO(fd.Output());
  // Ended early by the lead, everything restored; the outcome is still the team's recovery.
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "fault-restored"));
  CHECK_THAT(fd.Output(), Catch::Contains("run ended: recovered-by-team"));
  CHECK(testing::RunOutcomeOf(f.state) == "recovered-by-team");
}

TEST_CASE("SIGTERM mid-drill restores at once and exits as aborted", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  REQUIRE(Eventually([&] { return fs::exists(f.marker); }, 5s));
  fd.Signal(SIGTERM);
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  CHECK(Has(EventKinds(f.state), "fault-restored"));
}

TEST_CASE("SIGKILL mid-drill leaves the fault and recover restores it from the ledger", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s);
  {
    Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
    REQUIRE(Eventually([&] { return Has(EventKinds(f.state), "fault-injected"); }, 5s));
    fd.Signal(SIGKILL);
    CHECK(fd.Wait() == 128 + SIGKILL);
  }
  REQUIRE(fs::exists(f.marker));  // nobody restored it: the orchestrator is gone
  Firedrill recover(tmp.path(), {"recover", "--state", f.state.string()});
  int status = recover.Wait();
  INFO(recover.Output());
  CHECK(status == kExitOk);
  CHECK_FALSE(fs::exists(f.marker));
  CHECK(Has(EventKinds(f.state), "fault-restored"));
  // recover says what it restored and where, verified or not, and closes the dead run.
  CHECK_THAT(recover.Output(), Catch::Contains("restored marker (command on here"));
  CHECK_THAT(recover.Output(), Catch::Contains("verified by its check"));
  CHECK_THAT(recover.Output(), Catch::Contains("as interrupted"));
  testing::CheckDocOutput("recover-restored", recover.Output());
  CHECK(EventKinds(f.state).back() == "run-ended");
  CHECK(testing::RunOutcomeOf(f.state) == "interrupted");
}

TEST_CASE(
    "SIGKILL during a slow inject: recover makes sure the inject can no longer run, so the fault "
    "never appears after it said none was left",
    "[e2e]") {
  TempDir tmp;
  fs::path started = tmp.path() / "inject-started";
  fs::path pid_file = tmp.path() / "inject-pid";
  DrillFiles f{tmp.path() / "drill.toml", tmp.path() / "fault-in-place", tmp.path() / "state"};
  {
    SysTime start = NowUtc() + 300ms;
    std::ofstream out(f.drill);
    out << "id = \"e2e\"\ntitle = \"slow inject\"\nservice = \"demo\"\n"
        << "owner = \"lead@example.com\"\nplaybook = \"runbook.md\"\n"
        << "[window]\nstart = " << FormatUtc(start) << "\nend = " << FormatUtc(start + 60s)
        << "\nzone = \"UTC\"\n[targets.here]\nlocal = true\n"
        << "[[faults]]\nid = \"slow\"\nkind = \"command\"\ntarget = \"here\"\n"
        << "inject = \"echo $$ > '" << pid_file.string() << "'; touch '" << started.string()
        << "'; sleep 3; touch '" << f.marker.string() << "'\"\n"
        << "check = \"test -f '" << f.marker.string() << "'\"\n"
        << "restore = \"rm -f '" << f.marker.string() << "'\"\n";
  }
  {
    Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
    REQUIRE(Eventually([&] { return fs::exists(started); }, 10s));
    fd.Signal(SIGKILL);  // mid-inject: the ledger row says "injecting"
    CHECK(fd.Wait() == 128 + SIGKILL);
  }
  fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  Firedrill recover(other, {"recover", "--state", f.state.string()});
  int status = recover.Wait();
  INFO(recover.Output());
  CHECK(status == kExitOk);
  // The inject's shell is gone for good once recover has answered: nothing can touch the marker.
  pid_t inject_pid = 0;
  std::ifstream(pid_file) >> inject_pid;
  REQUIRE(inject_pid > 0);
  bool gone = ::kill(inject_pid, 0) != 0 && errno == ESRCH;
  if (!gone) {
    // A zombie is gone too; anything else is an orphaned inject still running.
    std::ifstream stat("/proc/" + std::to_string(inject_pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    gone = line.find(") Z") != std::string::npos || line.find(") X") != std::string::npos;
  }
  CHECK(gone);
  CHECK_FALSE(fs::exists(f.marker));
  CHECK(testing::RunOutcomeOf(f.state) == "interrupted");
}

TEST_CASE("a SIGTERM the instant firedrill run starts aborts the run, never kills it", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 60s, 60s);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()},
               /*sigterm_pending=*/true);
  // Before the fix the signal either killed the process during start-up or, blocked, never
  // reached the run: bounded wait for its exit.
  int status = -1;
  bool exited = Eventually([&] { return (status = fd.TryWait()) >= 0; }, 20s);
  INFO(fd.Output());
  REQUIRE(exited);
  CHECK(status == kExitAborted);
  CHECK(Has(EventKinds(f.state), "aborted"));
  CHECK_FALSE(fs::exists(f.marker));
}

TEST_CASE("a restore command that fails is retried until it succeeds", "[e2e]") {
  TempDir tmp;
  fs::path allow = tmp.path() / "allow-restore";
  std::string restore = "test -f '" + allow.string() + "' && rm -f '" +
                        (tmp.path() / "fault-in-place").string() + "'";
  // The restore is started by a SIGTERM once the fault is in place, not by a window end the
  // run would have to reach in time: a 1 s window was over before a loaded machine started it.
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 120s, restore);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  bool injected = Eventually([&] { return Has(EventKinds(f.state), "fault-injected"); }, 20s);
  INFO(fd.Output());
  REQUIRE(injected);
  fd.Signal(SIGTERM);
  // Wait until the first restore attempt failed, then let the next one succeed.
  REQUIRE(Eventually(
      [&] { return fd.Output().find("restore of marker failed") != std::string::npos; }, 20s));
  std::ofstream(allow) << "ok";
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "restore-failed"));
  CHECK(Has(kinds, "fault-restored"));
}

TEST_CASE("preflight refuses to inject when a probe is already red", "[e2e]") {
  TempDir tmp;
  // A long window: the run is refused at once, and a loaded machine that starts it late must
  // not see a window too close to its end instead of the red probe.
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s);
  std::ofstream(f.marker) << "already broken";  // the probe is red before the drill starts
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitRefused);
  CHECK_THAT(fd.Output(), Catch::Contains("probe no-marker is not green"));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "preflight-refused"));
  CHECK_FALSE(Has(kinds, "fault-injected"));
}

TEST_CASE("ack and abort from another terminal reach the running drill", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s);
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  REQUIRE(Eventually([&] { return fs::exists(f.marker); }, 5s));
  fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  {
    Firedrill ack(other, {"ack", "detected", "--by", "alice", "--note", "saw the alert", "--state",
                          f.state.string()});
    int status = ack.Wait();
    INFO(ack.Output());
    CHECK(status == kExitOk);
  }
  {
    Firedrill abort(other, {"abort", "--reason", "practice is over", "--state", f.state.string()});
    int status = abort.Wait();
    INFO(abort.Output());
    CHECK(status == kExitOk);
  }
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "ack-detected"));
  CHECK(Has(kinds, "abort-requested"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK_THAT(fd.Output(), Catch::Contains("alice acknowledged detected"));
}

TEST_CASE("a guard trips when its probe stays red too long and everything is restored", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s, "",
                            "[[guards]]\nname = \"too-long\"\nkind = \"probe\"\n"
                            "probe = \"no-marker\"\nmax_red = \"1s\"\n");
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "guard-tripped"));
  CHECK(Has(kinds, "fault-restored"));
}

TEST_CASE("a command guard trips when its command fails and everything is restored", "[e2e]") {
  TempDir tmp;
  fs::path stop = tmp.path() / "stop-the-drill";
  // Each check that passes leaves a line in `passed`: the test waits on the guard's own work.
  fs::path passed = tmp.path() / "guard-passed";
  DrillFiles f = WriteDrill(tmp.path(), 300ms, 60s, "",
                            "[[guards]]\nname = \"stop-file\"\nkind = \"command\"\n"
                            "target = \"here\"\ncommand = \"test ! -f '" +
                                stop.string() + "' && echo ok >> '" + passed.string() +
                                "'\"\ninterval = \"200ms\"\n");
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  // A bound, not a speed claim: a sanitizer build on a loaded machine took over 5 s to inject.
  REQUIRE(Eventually([&] { return Has(EventKinds(f.state), "fault-injected"); }, 20s));
  // The guard holds while its command succeeds: after three more passing checks the drill is
  // still active with the fault in place.
  auto lines = [&] {
    std::ifstream in(passed);
    return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  };
  const auto before = lines();
  REQUIRE(Eventually([&] { return lines() >= before + 3; }, 20s));
  CHECK_FALSE(Has(EventKinds(f.state), "guard-tripped"));
  CHECK(fs::exists(f.marker));
  std::ofstream(stop) << "stop\n";
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(f.marker));
  auto kinds = EventKinds(f.state);
  CHECK(Has(kinds, "guard-tripped"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK(fd.Output().find("guard stop-file tripped: exit 1") != std::string::npos);
}

TEST_CASE("a drill with an alert guard is refused: a guard that cannot trip is no guard", "[e2e]") {
  TempDir tmp;
  DrillFiles f = WriteDrill(tmp.path(), 0ms, 5s, "",
                            "[[guards]]\nname = \"payments-paging\"\nkind = \"alert\"\n"
                            "match = { service = \"payments\" }\n");
  Firedrill fd(tmp.path(), {"run", "--state", f.state.string(), f.drill.string()});
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitRefused);
  CHECK_FALSE(fs::exists(f.marker));
  CHECK(fd.Output().find("guard payments-paging watches alerts") != std::string::npos);
  CHECK_FALSE(Has(EventKinds(f.state), "fault-injected"));
}

TEST_CASE("a paused process that vanished during the drill is restored idempotently", "[e2e]") {
  TempDir tmp;
  // A real process for the drill to pause; the test kills it mid-drill. Whatever happens, it is
  // gone when the test ends: a leftover child would hold the test's output open.
  struct Victim {
    pid_t pid = fork();
    ~Victim() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } victim;
  REQUIRE(victim.pid >= 0);
  if (victim.pid == 0) {
    execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
    _exit(127);
  }
  fs::path pidfile = tmp.path() / "victim.pid";
  std::ofstream(pidfile) << victim.pid;
  // A window that only the test ends (SIGTERM once the process is gone), whatever the load.
  SysTime start = NowUtc() + 300ms;
  fs::path drill = tmp.path() / "pause.toml";
  fs::path state = tmp.path() / "state";
  std::ofstream(drill) << "id = \"e2e\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                       << "playbook = \"p\"\n[window]\nstart = " << FormatUtc(start)
                       << "\nend = " << FormatUtc(start + 120s) << "\nzone = \"UTC\"\n"
                       << "[targets.here]\nlocal = true\n[[faults]]\nkind = \"process.pause\"\n"
                       << "target = \"here\"\npidfile = \"" << pidfile.string() << "\"\n"
                       << "restore_timeout = \"1s\"\n";
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "fault-injected"); }, 20s));
  kill(victim.pid, SIGKILL);
  waitpid(victim.pid, nullptr, 0);
  victim.pid = -1;
  fd.Signal(SIGTERM);  // restore now: the paused process is no longer there to resume
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK(Has(EventKinds(state), "fault-restored"));
  CHECK_FALSE(Has(EventKinds(state), "restore-failed"));
}

namespace {

using firedrill::testing::ProcState;

// A sleeping child process for a drill to pause; killed and reaped at scope exit.
struct Victim {
  pid_t pid = fork();
  Victim() {
    REQUIRE(pid >= 0);
    if (pid == 0) {
      execl("/bin/sleep", "sleep", "300", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Victim() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// A drill that pauses `victim` on an SSH target (this machine, through the test sshd).
fs::path WriteSshDrill(const fs::path& dir, const testing::TestSshd& sshd, pid_t victim,
                       Duration active, const std::string& grace) {
  fs::path pidfile = dir / "victim.pid";
  std::ofstream(pidfile) << victim;
  SysTime start = NowUtc() + 300ms;
  fs::path drill = dir / "ssh.toml";
  std::ofstream(drill) << "id = \"e2e\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                       << "playbook = \"p\"\n[window]\nstart = " << FormatUtc(start)
                       << "\nend = " << FormatUtc(start + active + 1s) << "\nzone = \"UTC\"\n"
                       << "grace = \"" << grace << "\"\n"
                       << sshd.TargetToml("remote")
                       << "[[faults]]\nkind = \"process.pause\"\ntarget = \"remote\"\n"
                       << "pidfile = \"" << pidfile.string() << "\"\nrestore_timeout = \"1s\"\n";
  return drill;
}

// Whether this run's dead man's switch (named in its deadman-armed event) is still on the target;
// tests may run in parallel, so other runs' switches must not count.
bool SwitchArmed(const fs::path& state) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto events = EventLog(*db).ForDrill("e2e");
  REQUIRE(events.ok());
  std::string name;
  for (const Event& e : *events) {
    if (e.kind != "deadman-armed") continue;
    auto at = e.payload_json.find("\"name\":\"");
    REQUIRE(at != std::string::npos);
    at += 8;
    name = e.payload_json.substr(at, e.payload_json.find('"', at) - at);
  }
  REQUIRE_FALSE(name.empty());
  std::string cmd = "pgrep -f '[" + name.substr(0, 1) + "]" + name.substr(1) + "( |$)' >/dev/null";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

TEST_CASE("a drill on an SSH target pauses a real process over SSH and restores it", "[e2e][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  Victim victim;
  fs::path state = tmp.path() / "state";
  // Active long enough that the pause is still in place when the test looks, even when connecting
  // and arming the switch over SSH is slow on a loaded machine.
  fs::path drill = WriteSshDrill(tmp.path(), sshd, victim.pid, 4s, "5s");
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "fault-injected"); }, 10s));
  CHECK(ProcState(victim.pid) == 'T');
  CHECK(SwitchArmed(state));
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitOk);
  CHECK(ProcState(victim.pid) != 'T');
  auto kinds = EventKinds(state);
  CHECK(Has(kinds, "target-connected"));
  CHECK(Has(kinds, "deadman-armed"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "deadman-disarmed"));
  CHECK_FALSE(SwitchArmed(state));
}

TEST_CASE("SIGKILL mid-drill on an SSH target: the dead man's switch restores by itself",
          "[e2e][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  Victim victim;
  fs::path state = tmp.path() / "state";
  // Window end = start + 4 s; the switch fires at end + grace (1 s): well after the kill and the
  // second this test waits, even when injecting over SSH is slow on a loaded machine.
  fs::path drill = WriteSshDrill(tmp.path(), sshd, victim.pid, 3s, "1s");
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "deadman-armed"); }, 10s));
  REQUIRE(Eventually([&] { return ProcState(victim.pid) == 'T'; }, 5s));
  fd.Signal(SIGKILL);
  CHECK(fd.Wait() == 128 + SIGKILL);
  // Nobody runs `firedrill recover`: the target undoes the fault on its own.
  std::this_thread::sleep_for(1s);
  CHECK(ProcState(victim.pid) == 'T');  // not before its time
  CHECK(Eventually([&] { return ProcState(victim.pid) != 'T'; }, 10s));
  CHECK_FALSE(Has(EventKinds(state), "fault-restored"));
  CHECK(Eventually([&] { return !SwitchArmed(state); }, 3s));
}

namespace {

// A command fault on two targets: `here` (local) and `remote` (this machine over SSH). Its inject
// fails over SSH ($SSH_CONNECTION is set there) and works locally, so the fan-out is partial.
fs::path WritePartialDrill(const fs::path& dir, const testing::TestSshd& sshd,
                           const fs::path& marker, const std::string& policy) {
  SysTime start = NowUtc() + 300ms;
  fs::path drill = dir / "partial.toml";
  std::string m = marker.string();
  std::ofstream(drill) << "id = \"e2e\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                       << "playbook = \"p\"\n[window]\nstart = "
                       << FormatUtc(start)
                       // Long enough that injecting over SSH (switch, inject, undo where it
                       // failed) ends well before the restore point, even on a loaded machine.
                       << "\nend = " << FormatUtc(start + 6s) << "\nzone = \"UTC\"\n"
                       << "grace = \"5s\"\n[targets.here]\nlocal = true\n"
                       << sshd.TargetToml("remote")
                       << "[[faults]]\nid = \"mark\"\nkind = \"command\"\n"
                       << "target = [\"here\", \"remote\"]\non_partial = \"" << policy << "\"\n"
                       << "inject = \"test -z \\\"$SSH_CONNECTION\\\" && touch '" << m << "'\"\n"
                       << "check = \"test -z \\\"$SSH_CONNECTION\\\" && test -f '" << m << "'\"\n"
                       << "restore = \"test -n \\\"$SSH_CONNECTION\\\" || rm -f '" << m << "'\"\n"
                       << "restore_timeout = \"1s\"\n";
  return drill;
}

}  // namespace

TEST_CASE("a partial fan-out is rolled back everywhere by default", "[e2e][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  fs::path marker = tmp.path() / "marker";
  fs::path state = tmp.path() / "state";
  Firedrill fd(tmp.path(), {"run", "--state", state.string(),
                            WritePartialDrill(tmp.path(), sshd, marker, "rollback").string()});
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(marker));
  auto kinds = EventKinds(state);
  CHECK(Has(kinds, "inject-failed"));
  CHECK(Has(kinds, "partial-injection"));
  CHECK_THAT(fd.Output(), Catch::Contains("rolling back everywhere"));
}

TEST_CASE("a partial fan-out with on_partial continue goes on where it was injected",
          "[e2e][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  fs::path marker = tmp.path() / "marker";
  fs::path state = tmp.path() / "state";
  Firedrill fd(tmp.path(), {"run", "--state", state.string(),
                            WritePartialDrill(tmp.path(), sshd, marker, "continue").string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "active"); }, 10s));
  CHECK(fs::exists(marker));  // in place on the target where it worked
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitOk);
  CHECK_FALSE(fs::exists(marker));
  CHECK_THAT(fd.Output(), Catch::Contains("in place on 1 of 2 targets (here)") &&
                              Catch::Contains("failed and undone on remote"));
}

TEST_CASE("an SSH target down at restore time is restored once it is back", "[e2e][ssh]") {
  if (auto why = testing::TestSshd::Unavailable()) {
    WARN("skipped: needs a real sshd on loopback: " << *why);
    return;
  }
  TempDir tmp;
  testing::TestSshd sshd(tmp.path());
  fs::path marker = tmp.path() / "marker";
  fs::path state = tmp.path() / "state";
  SysTime start = NowUtc() + 300ms;
  fs::path drill = tmp.path() / "down.toml";
  std::ofstream(drill) << "id = \"e2e\"\ntitle = \"t\"\nservice = \"s\"\nowner = \"o\"\n"
                       << "playbook = \"p\"\n[window]\nstart = " << FormatUtc(start)
                       << "\nend = " << FormatUtc(start + 120s) << "\nzone = \"UTC\"\n"
                       << "grace = \"60s\"\n"
                       << sshd.TargetToml("remote")
                       << "[[faults]]\nid = \"mark\"\nkind = \"command\"\ntarget = \"remote\"\n"
                       << "inject = \"touch '" << marker.string() << "'\"\n"
                       << "check = \"test -f '" << marker.string() << "'\"\n"
                       << "restore = \"rm -f '" << marker.string() << "'\"\n"
                       << "restore_timeout = \"2s\"\n";
  Firedrill fd(tmp.path(), {"run", "--state", state.string(), drill.string()});
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "fault-injected"); }, 15s));
  sshd.Stop();  // the host goes down while the fault is in place
  // The restore begins now (not at the end of a window that a loaded machine could reach before
  // the host is down): SIGTERM, as a lead's Ctrl-C or systemd would.
  fd.Signal(SIGTERM);
  // At least one attempt failed while the host was down.
  REQUIRE(Eventually([&] { return Has(EventKinds(state), "restore-failed"); }, 15s));
  CHECK(fs::exists(marker));
  CHECK_FALSE(Has(EventKinds(state), "fault-restored"));
  sshd.Start();  // back: the next retry reconnects and restores
  int status = fd.Wait();
  INFO(fd.Output());
  CHECK(status == kExitAborted);
  CHECK_FALSE(fs::exists(marker));
  auto kinds = EventKinds(state);
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "deadman-disarmed"));
}
