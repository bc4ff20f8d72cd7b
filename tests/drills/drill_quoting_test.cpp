// A value of a megabyte in a drill file must not come back a megabyte long in the error about it:
// every diagnostic quotes a short prefix and the value's size.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/drills/test_drill.h"

using namespace firedrill;
using namespace firedrill::testing;

namespace {

const std::string kBig(1'000'000, 'x');
const std::string kHalf(500'000, 'x');

struct Case {
  std::string name;
  std::string from;
  std::string to;
};

}  // namespace

TEST_CASE("a 1 MB value is quoted as a short prefix and its size in every diagnostic",
          "[drills][hostile]") {
  const std::string fault =
      "kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"";
  const std::string probe = "kind = \"tcp\"\ntarget = \"db\"\nport = 5432";
  std::vector<Case> cases = {
      {"drill id", "id = \"checkout-db-blackhole\"", "id = \"" + kBig + "\""},
      {"zone", "zone = \"Europe/Copenhagen\"", "zone = \"" + kBig + "\""},
      {"unknown key", "[objectives]", std::string(kBig.size(), 'k') + " = 1\n[objectives]"},
      {"unknown quoted key", "[objectives]", "\"" + kBig + "\" = 1\n[objectives]"},
      {"duration", "detect_within = \"5m\"", "detect_within = \"" + kBig + "\""},
      {"repeat rule", "zone = \"Europe/Copenhagen\"",
       "zone = \"Europe/Copenhagen\"\nrepeat = \"FREQ=" + kBig + "\""},
      {"channel", "attendees = [\"alice@example.com\"]",
       "attendees = [\"alice@example.com\"]\nchannels = [\"" + kBig + "\"]"},
      {"fault kind", "kind = \"network.block\"", "kind = \"" + kBig + "\""},
      {"enum parameter", "mode = \"reject\"", "mode = \"" + kBig + "\""},
      {"a kind's own check", fault,
       "kind = \"process.kill\"\ntarget = \"db\"\nname = \"/" + kBig + "\""},
      {"a kind's size", fault,
       "kind = \"memory.stress\"\ntarget = \"db\"\nsize = \"" + kBig + "\""},
      {"a kind's address", fault,
       "kind = \"network.block\"\ntarget = \"db\"\nport = 1\naddress = \"" + kBig + "\""},
      {"undefined target", "target = \"db\"\nport = 5432\nmode",
       "target = \"" + kBig + "\"\nport = 5432\nmode"},
      {"probe url", probe, "kind = \"http\"\ntarget = \"db\"\nurl = \"" + kBig + "\""},
      {"guard's probe", "probe = \"db-port\"", "probe = \"" + kBig + "\""},
      // Twice 500 kB: the file may hold 1 MiB.
      {"duplicate fault id", fault,
       "id = \"" + kHalf + "\"\n" + fault + "\n[[faults]]\nid = \"" + kHalf + "\"\n" + fault},
      {"wheel", "[detection]", "[wheel]\nfaults = [\"" + kBig + "\"]\n[detection]"},
      {"blackout name", "[detection]",
       "[[blackouts]]\nname = \"" + kBig +
           "\"\nstart = 2027-03-04T10:30:00\nend = 2027-03-04T12:00:00\n[detection]"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    LoadResult r = LoadText(ReplaceOnce(kValidDrill, c.from, c.to));
    std::string all = Diagnosed(r);
    INFO(all.substr(0, 3000));
    REQUIRE_FALSE(r.ok());
    CHECK(all.size() < 2000);
    CHECK_THAT(all, Catch::Contains("… (1000") || Catch::Contains("… (500000 bytes)"));
  }
}
