// Who keeps a connection when clients hold more than the server serves: the policy on its own.
#include "orchestrator/control/connection_admission.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

namespace firedrill {
namespace {

using Ids = std::vector<ConnectionAdmission::Id>;
using namespace std::chrono_literals;

// Every call a second later than the one before: each connection is past the grace by the next.
struct Later {
  ConnectionAdmission::Clock::time_point now{};
  ConnectionAdmission::Clock::time_point operator()() { return now += 1s; }
};

TEST_CASE("unproven connections make room oldest first, proven ones are never displaced",
          "[control]") {
  ConnectionAdmission a(AdmissionLimits{4, 8, 1, 1s});  // unproven share: 3
  Later t;
  CHECK(a.Admit(1, "10.0.0.1", t()).admitted);
  CHECK(a.Admit(2, "10.0.0.2", t()).admitted);
  a.Prove(2);
  CHECK(a.Admit(3, "10.0.0.3", t()).admitted);
  CHECK(a.Admit(4, "10.0.0.4", t()).displaced == Ids{});
  CHECK(a.unproven() == 3);
  // The unproven share is full: the oldest unproven (1) goes, never the proven 2.
  auto d = a.Admit(5, "10.0.0.5", t());
  CHECK(d.admitted);
  CHECK(d.displaced == Ids{1});
  CHECK_FALSE(a.is_open(1));
  CHECK(a.proven(2));
  CHECK(a.open() == 4);
  // Releasing a displaced connection changes nothing.
  a.Release(1);
  CHECK(a.open() == 4);
  a.Prove(3);
  a.Prove(4);
  a.Prove(5);
  // Every connection proven and the server full: the new one is refused, nothing displaced.
  d = a.Admit(6, "10.0.0.6", t());
  CHECK_FALSE(d.admitted);
  CHECK(d.displaced.empty());
  CHECK_FALSE(a.is_open(6));
  a.Release(2);
  CHECK(a.Admit(7, "10.0.0.7", t()).admitted);
}

TEST_CASE("one client displaces only its own unproven connections beyond its limit", "[control]") {
  ConnectionAdmission a(AdmissionLimits{64, 2, 16, 1s});
  Later t;
  CHECK(a.Admit(1, "10.0.0.9", t()).admitted);
  CHECK(a.Admit(2, "10.0.0.1", t()).admitted);
  CHECK(a.Admit(3, "10.0.0.1", t()).admitted);
  CHECK(a.Admit(4, "10.0.0.1", t()).displaced == Ids{2});
  CHECK(a.Admit(5, "10.0.0.1", t()).displaced == Ids{3});
  CHECK(a.is_open(1));
  // A proven connection of the client does not count against its unproven limit.
  a.Prove(4);
  CHECK(a.Admit(6, "10.0.0.1", t()).displaced == Ids{});
  CHECK(a.open() == 4);
  CHECK(a.unproven() == 3);
}

TEST_CASE("the share kept for proven callers is at least one connection for the unproven",
          "[control]") {
  ConnectionAdmission a(AdmissionLimits{2, 8, 16, 1s});
  Later t;
  CHECK(a.Admit(1, "a", t()).admitted);
  CHECK(a.Admit(2, "b", t()).displaced == Ids{1});
  a.Prove(2);
  CHECK(a.Admit(3, "c", t()).displaced == Ids{});
  CHECK(a.Admit(4, "d", t()).displaced == Ids{3});
  CHECK(a.open() == 2);
}

TEST_CASE("within the grace a burst from one client is let in up to the server's limit",
          "[control]") {
  ConnectionAdmission a(AdmissionLimits{6, 2, 2, 1s});  // unproven share: 4
  ConnectionAdmission::Clock::time_point t0{};
  for (ConnectionAdmission::Id id = 1; id <= 6; ++id) {
    auto d = a.Admit(id, "10.0.0.1", t0 + id * 10ms);
    CHECK(d.admitted);
    CHECK(d.displaced.empty());
  }
  // The server is full: the oldest unproven one goes, however young.
  CHECK(a.Admit(7, "10.0.0.1", t0 + 70ms).displaced == Ids{1});
  // Past the grace the share applies again, one displacement per newcomer: 2 goes for 8.
  CHECK(a.Admit(8, "10.0.0.2", t0 + 2s).displaced == Ids{2});
  CHECK(a.unproven() == 6);
  a.Prove(8);
  // And the limit per client: 3 for it, then 4 for the share.
  CHECK(a.Admit(9, "10.0.0.1", t0 + 2s).displaced == Ids{3, 4});
  CHECK(a.open() == 5);
}

}  // namespace
}  // namespace firedrill
