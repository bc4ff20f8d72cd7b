// "Did you mean …?": close typos get a suggestion; nothing costs more than a bounded search.
#include "drills/suggest.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace firedrill;

TEST_CASE("a close typo gets the closest candidate", "[drills][suggest]") {
  CHECK(ClosestMatch("detect_witin", {"detect_within", "recover_within"}) == "detect_within");
  CHECK(ClosestMatch("prot", {"port", "mode"}) == "port");
  CHECK_FALSE(ClosestMatch("zzzz", {"port", "mode"}));
  CHECK(DidYouMean("dbb", {"db", "web"}) == " (did you mean \"db\"?)");
  CHECK(ClosestMatch("ru", {"run", "plan"}) == "run");
  CHECK(ClosestMatch("Id", {"id", "who"}) == "id");  // the case alone
}

TEST_CASE("a word that shares too little with every candidate gets no suggestion",
          "[drills][suggest]") {
  // One letter in one is not a typo: "x" is not "u", "ip" is not "id".
  CHECK(DidYouMean("x", {"u", "team"}).empty());
  CHECK_FALSE(ClosestMatch("ip", {"id"}));
  CHECK_FALSE(ClosestMatch("abc", {"xyz"}));
}

TEST_CASE("a list of more than 500 candidates, or a word over 64 characters, gets none",
          "[drills][suggest]") {
  std::vector<std::string> many;
  for (int i = 0; i < 500; ++i) many.push_back("target-" + std::to_string(i));
  CHECK(ClosestMatch("target-4999", many) == "target-499");
  many.push_back("target-500");
  CHECK_FALSE(ClosestMatch("target-4999", many));
  CHECK_FALSE(ClosestMatch(std::string(65, 'a'), {std::string(65, 'a')}));
}
