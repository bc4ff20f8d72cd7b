#include "orchestrator/engine/participant_match.h"

#include <catch2/catch.hpp>

using namespace firedrill;

namespace {

std::vector<Participant> Team() {
  return {{"alice@example.com", "incident-commander"},
          {"Bob@Example.com", "responder"},
          {"carol", "observer"},
          {"dave@example.com", "responder"},
          {"dave@corp.example", "observer"}};
}

}  // namespace

TEST_CASE("participant match takes the local part of an address case-insensitively",
          "[engine][participants]") {
  CHECK(MatchParticipant(Team(), "alice").name == "alice@example.com");
  CHECK(MatchParticipant(Team(), "ALICE").name == "alice@example.com");
  CHECK(MatchParticipant(Team(), "bob").name == "Bob@Example.com");
  CHECK(MatchParticipant(Team(), "alice@EXAMPLE.com").name == "alice@example.com");
  CHECK(MatchParticipant(Team(), "Carol").name == "carol");
}

TEST_CASE("participant match names every candidate of an ambiguous name",
          "[engine][participants]") {
  ParticipantMatch m = MatchParticipant(Team(), "dave");
  CHECK(m.name.empty());
  CHECK(m.candidates == std::vector<std::string>{"dave@example.com", "dave@corp.example"});
  // The whole address is not ambiguous.
  CHECK(MatchParticipant(Team(), "dave@corp.example").name == "dave@corp.example");
}

TEST_CASE("participant match leaves names of nobody in the drill unmatched",
          "[engine][participants]") {
  for (const char* given : {"mallory", "alice@other.example", "", "example.com", "ali"}) {
    INFO(given);
    ParticipantMatch m = MatchParticipant(Team(), given);
    CHECK(m.name.empty());
    CHECK(m.candidates.empty());
  }
}
