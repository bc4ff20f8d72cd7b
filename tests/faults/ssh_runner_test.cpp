// The SSH runner against a real sshd on loopback: commands, exit codes, timeouts that kill the
// remote process group, strict host keys, key authentication, one session reused.
#include "faults/ssh_runner.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "faults/run_on.h"
#include "tests/faults/ssh_test_endpoint.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_sshd.h"

using namespace firedrill;
using firedrill::testing::EndpointOf;
using firedrill::testing::TempDir;
using firedrill::testing::TestSshd;
using namespace std::chrono_literals;

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("ssh runner runs commands and keeps stdout, stderr and the exit code apart", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  auto r = RunBlocking(runner.Run("echo out; echo err >&2; exit 3", 10s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");  // the wrapper's process-group line is not the command's output
  CHECK_FALSE(r->timed_out);
  auto ok = RunBlocking(runner.Run("test -d /", 10s));
  REQUIRE(ok.ok());
  CHECK(ok->ok());
  CHECK(runner.Describe() == sshd.user() + "@127.0.0.1:" + std::to_string(sshd.port()));
}

TEST_CASE("ssh runner reuses one session for every command of a target", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  // SSH_CONNECTION holds the client's address and port: the same port means the same connection.
  std::string first;
  for (int i = 0; i < 5; ++i) {
    auto r = RunBlocking(runner.Run("echo \"$SSH_CONNECTION\"", 10s));
    REQUIRE(r.ok());
    REQUIRE(r->ok());
    if (i == 0) first = r->out;
    CHECK(r->out == first);
  }
  CHECK_FALSE(first.empty());
}

TEST_CASE("ssh runner captures large output fully", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  auto r = RunBlocking(
      runner.Run("head -c 60000 /dev/zero | tr '\\0' x; head -c 50000 /dev/zero >&2", 20s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  CHECK(r->out == std::string(60000, 'x'));
  CHECK(r->err.size() == 50000);
}

TEST_CASE("ssh runner runs a target's commands through one shell, not an sshd session each",
          "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  // Every command's parent is the same long-lived shell that firedrill started (its command line
  // is the shell script), not the sshd session process a channel per command would give.
  const std::string parent = "echo $PPID; tr '\\0' ' ' </proc/$PPID/cmdline";
  auto first = RunBlocking(runner.Run(parent, 10s));
  REQUIRE(first.ok());
  REQUIRE(first->ok());
  CHECK_THAT(first->out, Catch::Contains("firedrill-shell"));
  for (int i = 0; i < 3; ++i) {
    auto again = RunBlocking(runner.Run(parent, 10s));
    REQUIRE(again.ok());
    CHECK(again->out == first->out);
  }
}

TEST_CASE("ssh runner: a command ends when its shell does, not when a background child does",
          "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  // The background sleep keeps the command's stdout open; the command itself is over at once.
  auto r = RunBlocking(runner.Run("sleep 30 & echo $!", 5s));
  REQUIRE(r.ok());
  CHECK_FALSE(r->timed_out);
  CHECK(r->ok());
  const pid_t child = std::stoi(r->out);
  CHECK(::kill(child, SIGKILL) == 0);  // the host is this machine
  auto next = RunBlocking(runner.Run("echo next", 10s));
  REQUIRE(next.ok());
  CHECK(next->out == "next\n");
}

TEST_CASE("ssh runner cuts output beyond the capture limit and says so", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  auto r = RunBlocking(runner.Run("head -c 100000 /dev/zero | tr '\\0' x; echo err >&2", 20s));
  REQUIRE(r.ok());
  CHECK(r->exit_code == 0);
  const std::string note = "\n[... output truncated]";
  CHECK(r->out == std::string(kMaxCapturedOutput, 'x') + note);
  CHECK(r->err == "err\n");
  // The shell is still in step: the next command gets its own output.
  auto next = RunBlocking(runner.Run("echo next", 10s));
  REQUIRE(next.ok());
  CHECK(next->out == "next\n");
}

TEST_CASE("ssh runner timeout kills the whole remote process group", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshRunner runner(EndpointOf(sshd));
  auto pidfile = tmp.path() / "child.pid";
  auto start = std::chrono::steady_clock::now();
  auto r = RunBlocking(runner.Run("sleep 60 & echo $! > '" + pidfile.string() + "'; sleep 60", 1s));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(r.ok());
  CHECK(r->timed_out);
  CHECK_FALSE(r->ok());
  CHECK(took < 8s);
  // The background child the command started is gone too (the host is this machine).
  pid_t child = std::stoi(ReadFile(pidfile));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string s;
    std::getline(stat, s);
    gone = s.empty() || s.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  CHECK(gone);
  // The session still works after a timeout.
  auto after = RunBlocking(runner.Run("echo still-here", 10s));
  REQUIRE(after.ok());
  CHECK(after->out == "still-here\n");
}

TEST_CASE("ssh runner refuses an unknown host key and names its fingerprint", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshEndpoint ep = EndpointOf(sshd);
  ep.known_hosts = (tmp.path() / "empty_known_hosts").string();
  std::ofstream(ep.known_hosts).close();
  SshRunner runner(ep);
  auto r = RunBlocking(runner.Run("true", 10s));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("SHA256:") && Catch::Contains("not in") &&
                                    Catch::Contains("refusing"));
  CHECK(ReadFile(ep.known_hosts).empty());
}

TEST_CASE("ssh runner records an unknown host key only when told to, and says so", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshEndpoint ep = EndpointOf(sshd);
  ep.known_hosts = (tmp.path() / "tofu_known_hosts").string();
  std::ofstream(ep.known_hosts).close();
  ep.accept_new_host_key = true;
  {
    SshRunner runner(ep);
    REQUIRE(RunBlocking(runner.Connect()).ok());
    auto info = RunBlocking(runner.ConnectInfo());
    REQUIRE(info);
    CHECK(info->host_key_recorded);
    CHECK(info->fingerprint.rfind("SHA256:", 0) == 0);
  }
  CHECK_FALSE(ReadFile(ep.known_hosts).empty());
  // Next time the key is known: verified, not recorded again.
  SshRunner again(ep);
  REQUIRE(RunBlocking(again.Connect()).ok());
  CHECK_FALSE(RunBlocking(again.ConnectInfo())->host_key_recorded);
}

TEST_CASE("ssh runner refuses a changed host key even with accept_new_host_key", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshEndpoint ep = EndpointOf(sshd);
  ep.known_hosts = sshd.wrong_known_hosts().string();
  ep.accept_new_host_key = true;
  SshRunner runner(ep);
  Status st = RunBlocking(runner.Connect());
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("HOST KEY CHANGED") && Catch::Contains("SHA256:"));
}

TEST_CASE("ssh runner fails clearly when the server refuses the key", "[ssh]") {
  SKIP_WITHOUT_SSHD();
  TempDir tmp;
  TestSshd sshd(tmp.path());
  SshEndpoint ep = EndpointOf(sshd);
  ep.identity = sshd.stranger_identity().string();
  SshRunner runner(ep);
  auto r = RunBlocking(runner.Run("true", 10s));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("refused the key"));
}

TEST_CASE("ssh runner fails clearly when nothing listens", "[ssh]") {
  TempDir tmp;
  std::ofstream(tmp.path() / "kh").close();
  SshEndpoint ep;
  ep.host = "127.0.0.1";
  ep.port = 1;  // nothing listens on port 1 here
  ep.user = "nobody";
  ep.identity = (tmp.path() / "none").string();
  ep.known_hosts = (tmp.path() / "kh").string();
  SshRunner runner(ep);
  auto r = RunBlocking(runner.Run("true", 5s));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("cannot connect") && Catch::Contains(":1"));
}
