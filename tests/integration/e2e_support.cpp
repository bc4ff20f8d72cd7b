#include "tests/integration/e2e_support.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace firedrill::testing {

namespace {

// Each child's output file, unique in the test process: two children started in one directory (a
// daemon and a command talking to it) must never truncate or interleave each other's output.
std::filesystem::path OutputFile(const std::filesystem::path& dir) {
  static std::atomic<unsigned> next{0};
  return dir / ("out-" + std::to_string(++next) + ".txt");
}

}  // namespace

Firedrill::Firedrill(const std::filesystem::path& dir, std::vector<std::string> args,
                     bool sigterm_pending)
    : out_(OutputFile(dir)) {
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    if (sigterm_pending) {
      sigset_t term;
      sigemptyset(&term);
      sigaddset(&term, SIGTERM);
      sigprocmask(SIG_BLOCK, &term, nullptr);
      raise(SIGTERM);  // pending across exec
    }
    FILE* f = fopen(out_.c_str(), "w");
    dup2(fileno(f), 1);
    dup2(fileno(f), 2);
    std::vector<char*> argv{const_cast<char*>(FIREDRILL_BIN)};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(FIREDRILL_BIN, argv.data());
    _exit(127);
  }
}

Firedrill::~Firedrill() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Firedrill::Signal(int sig) { kill(pid_, sig); }

int Firedrill::TryWait() {
  if (reaped_) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return -1;
  reaped_ = true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return status_;
}

int Firedrill::Wait() {
  if (reaped_) return status_;
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return status_;
}

std::string Firedrill::Output() const {
  std::ifstream in(out_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Event> EventsOf(const std::filesystem::path& state, const std::string& drill_id) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  if (!db.ok()) return {};
  auto events = EventLog(*db).ForDrill(drill_id);
  if (!events.ok()) return {};
  return std::move(*events);
}

std::vector<std::string> EventKinds(const std::filesystem::path& state,
                                    const std::string& drill_id) {
  std::vector<std::string> kinds;
  for (const Event& e : EventsOf(state, drill_id)) kinds.push_back(e.kind);
  return kinds;
}

std::string RunOutcomeOf(const std::filesystem::path& state, const std::string& drill_id) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  if (!db.ok()) return "";
  auto events = LoadRunEvents(*db, drill_id, std::nullopt);
  if (!events.ok() || events->empty()) return "";
  return OutcomeName(DeriveRunFacts(*events).outcome);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

char ProcState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(stat, s);
  auto paren = s.rfind(')');
  return paren == std::string::npos || paren + 2 >= s.size() ? 0 : s[paren + 2];
}

}  // namespace firedrill::testing
