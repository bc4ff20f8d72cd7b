// Who keeps a connection when clients hold more than the server serves: the policy on its own.
#include "orchestrator/control/connection_admission.h"

#include <catch2/catch.hpp>
#include <vector>

namespace firedrill {
namespace {

using Ids = std::vector<ConnectionAdmission::Id>;

TEST_CASE("unproven connections make room oldest first; proven ones are never displaced",
          "[control]") {
  ConnectionAdmission a(AdmissionLimits{4, 8, 1});  // unproven share: 3
  CHECK(a.Admit(1, "10.0.0.1").admitted);
  CHECK(a.Admit(2, "10.0.0.2").admitted);
  a.Prove(2);
  CHECK(a.Admit(3, "10.0.0.3").admitted);
  CHECK(a.Admit(4, "10.0.0.4").displaced == Ids{});
  CHECK(a.unproven() == 3);
  // The unproven share is full: the oldest unproven (1) goes, never the proven 2.
  auto d = a.Admit(5, "10.0.0.5");
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
  d = a.Admit(6, "10.0.0.6");
  CHECK_FALSE(d.admitted);
  CHECK(d.displaced.empty());
  CHECK_FALSE(a.is_open(6));
  a.Release(2);
  CHECK(a.Admit(7, "10.0.0.7").admitted);
}

TEST_CASE("one client displaces only its own unproven connections beyond its limit", "[control]") {
  ConnectionAdmission a(AdmissionLimits{64, 2, 16});
  CHECK(a.Admit(1, "10.0.0.9").admitted);
  CHECK(a.Admit(2, "10.0.0.1").admitted);
  CHECK(a.Admit(3, "10.0.0.1").admitted);
  CHECK(a.Admit(4, "10.0.0.1").displaced == Ids{2});
  CHECK(a.Admit(5, "10.0.0.1").displaced == Ids{3});
  CHECK(a.is_open(1));
  // A proven connection of the client does not count against its unproven limit.
  a.Prove(4);
  CHECK(a.Admit(6, "10.0.0.1").displaced == Ids{});
  CHECK(a.open() == 4);
  CHECK(a.unproven() == 3);
}

TEST_CASE("the share kept for proven callers is at least one connection for the unproven",
          "[control]") {
  ConnectionAdmission a(AdmissionLimits{2, 8, 16});
  CHECK(a.Admit(1, "a").admitted);
  CHECK(a.Admit(2, "b").displaced == Ids{1});
  a.Prove(2);
  CHECK(a.Admit(3, "c").displaced == Ids{});
  CHECK(a.Admit(4, "d").displaced == Ids{3});
  CHECK(a.open() == 2);
}

}  // namespace
}  // namespace firedrill
