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
