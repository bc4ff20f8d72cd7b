#include "tests/support/test_sshd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

namespace firedrill::testing {
namespace {

namespace fs = std::filesystem;
constexpr char kSshd[] = "/usr/sbin/sshd";
constexpr char kKeygen[] = "/usr/bin/ssh-keygen";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Keygen(const fs::path& key) {
  std::string cmd = std::string(kKeygen) + " -q -t ed25519 -N '' -C firedrill-test -f '" +
                    key.string() + "' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// A port nothing listens on right now (the kernel's choice for an ephemeral bind).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Every process descended from `root` (read from /proc), children before grandchildren.
std::vector<pid_t> Descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile(entry.path() / "stat");
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
    std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    children.emplace(ppid, static_cast<pid_t>(std::stol(name)));
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [from, to] = children.equal_range(p);
    for (auto it = from; it != to; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> TestSshd::Unavailable() {
  if (::access(kSshd, X_OK) != 0) return "sshd is not installed (Debian package openssh-server)";
  if (::access(kKeygen, X_OK) != 0) return "ssh-keygen is not installed (openssh-client)";
  if (::geteuid() != 0) return "not root: sshd needs root to log users in";
  return std::nullopt;
}

TestSshd::TestSshd(const fs::path& dir) : dir_(dir) {
  identity_ = dir / "client_ed25519";
  stranger_ = dir / "stranger_ed25519";
  known_hosts_ = dir / "known_hosts";
  wrong_known_hosts_ = dir / "known_hosts.wrong";
  fs::path host_key = dir / "host_ed25519";
  fs::path other_host_key = dir / "other_host_ed25519";
  Keygen(host_key);
  Keygen(other_host_key);
  Keygen(identity_);
  Keygen(stranger_);
  fs::copy_file(identity_.string() + ".pub", dir / "authorized_keys");
  const passwd* pw = ::getpwuid(::geteuid());
  REQUIRE(pw != nullptr);
  user_ = pw->pw_name;
  port_ = FreePort();
  auto host_line = [&](const fs::path& key) {
    std::istringstream pub(ReadFile(key.string() + ".pub"));
    std::string type, blob;
    pub >> type >> blob;
    return "[127.0.0.1]:" + std::to_string(port_) + " " + type + " " + blob + "\n";
  };
  std::ofstream(known_hosts_) << host_line(host_key);
  std::ofstream(wrong_known_hosts_) << host_line(other_host_key);
  fs::path config = dir / "sshd_config";
  std::ofstream(config) << "Port " << port_ << "\nListenAddress 127.0.0.1\n"
                        << "HostKey " << host_key.string() << "\n"
                        << "AuthorizedKeysFile " << (dir / "authorized_keys").string() << "\n"
                        << "PidFile " << (dir / "sshd.pid").string() << "\n"
                        << "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                        << "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
                        << "UsePAM no\nStrictModes no\nLogLevel ERROR\nMaxSessions 64\n"
                        << "MaxStartups 64:30:128\n"
                        // Sessions get a HOME of their own: the user's shell (bash -c) would
                        // otherwise source the real ~/.bashrc first, which on a developer's
                        // machine can take a second per command (pyenv, nvm).
                        << "SetEnv HOME=" << (dir / "home").string() << "\n";
  fs::create_directories(dir / "home");
  config_ = config;
  Start();
}

void TestSshd::Start() {
  REQUIRE(pid_ <= 0);
  std::error_code ec;
  fs::create_directories("/run/sshd", ec);  // sshd's privilege-separation directory
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    std::string log = (dir_ / "sshd.log").string();
    FILE* f = std::fopen(log.c_str(), "a");
    if (f != nullptr) {
      ::dup2(::fileno(f), 1);
      ::dup2(::fileno(f), 2);
    }
    ::execl(kSshd, kSshd, "-D", "-e", "-f", config_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Accepts(port_) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(ReadFile(dir_ / "sshd.log"));
  REQUIRE(Accepts(port_));
}

void TestSshd::Stop() {
  if (pid_ <= 0) return;
  // The listener and everything it forked: each connection's processes run in sessions of
  // their own, so they are found by ancestry, not by process group.
  ::kill(pid_, SIGSTOP);  // no new connection while they are collected
  for (pid_t p : Descendants(pid_)) ::kill(p, SIGKILL);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string TestSshd::TargetToml(const std::string& name) const {
  return "[targets." + name + "]\nhost = \"127.0.0.1\"\nport = " + std::to_string(port_) +
         "\nuser = \"" + user_ + "\"\nidentity = \"" + identity_.string() + "\"\nknown_hosts = \"" +
         known_hosts_.string() + "\"\n";
}

TestSshd::~TestSshd() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace firedrill::testing
