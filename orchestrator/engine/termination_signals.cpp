#include "orchestrator/engine/termination_signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <initializer_list>

namespace firedrill {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void DeferTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void AcceptTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool DefersTerminationSignals(const char* command) {
  for (const char* c : {"run", "serve", "recover", "demo"}) {
    if (std::strcmp(command, c) == 0) return true;
  }
  return false;
}

}  // namespace firedrill
