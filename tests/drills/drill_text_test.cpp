// What the strings of a drill file may hold. A NUL cuts a command short where it is run (the
// restore never works) and lands raw in records; other control characters mean nothing in a
// name or a URL and can drive the terminal that shows them. Each is a located error.
#include <catch2/catch.hpp>
#include <string>

#include "tests/drills/test_drill.h"

using namespace firedrill;
using namespace firedrill::testing;

namespace {

// The valid drill with `from` replaced by `to`; the error must be at `position`.
void RequireRefused(const std::string& from, const std::string& to, const std::string& position,
                    const std::string& what) {
  LoadResult r = LoadText(ReplaceOnce(kValidDrill, from, to));
  INFO(Diagnosed(r));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(Diagnosed(r), Catch::Contains(position) && Catch::Contains(what));
}

const std::string kCommandFault =
    "kind = \"command\"\ntarget = \"db\"\ninject = \"touch /tmp/x\"\nrestore = \"rm -f /tmp/x\"";

}  // namespace

TEST_CASE("a NUL is refused in every kind of string", "[drills][hostile]") {
  const std::string nul = "a NUL character (\\u0000)";
  RequireRefused("title = \"Checkout loses its database\"", "title = \"Checkout\\u0000\"",
                 "drill.toml:2:9: drill: \"title\"", nul);
  RequireRefused("owner = \"lead@example.com\"", "owner = \"lead@example.com\\u0000x\"",
                 "drill.toml:4:9: drill: \"owner\"", nul);
  RequireRefused("attendees = [\"alice@example.com\"]", "attendees = [\"alice\\u0000\"]",
                 "drill.toml:18:14: [announce]: \"attendees\"", nul);
  RequireRefused("match = { service = \"checkout\" }", "match = { service = \"check\\u0000\" }",
                 "drill.toml:46:", nul);
  RequireRefused("match = { service = \"checkout\" }", "match = { \"serv\\u0000\" = \"checkout\" }",
                 "drill.toml:46:", nul);
  // Commands: the common restore key, a probe's and a guard's command, a kind's parameter.
  RequireRefused("kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"",
                 "kind = \"command\"\ntarget = \"db\"\ninject = \"touch /tmp/x\"\n"
                 "restore = \"rm -f /tmp/x\\u0000; echo restored\"",
                 "drill.toml:31:11: fault #1 (command): \"restore\"", nul);
  RequireRefused("kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"",
                 "kind = \"command\"\ntarget = \"db\"\ninject = \"\"\"\ntouch /tmp/x\\u0000\n"
                 "\"\"\"\nrestore = \"rm -f /tmp/x\"",
                 "drill.toml:30:10: fault #1 (command): \"inject\"", nul);
  RequireRefused("kind = \"tcp\"\ntarget = \"db\"\nport = 5432",
                 "kind = \"command\"\ntarget = \"db\"\ncommand = \"true\\u0000\"",
                 "drill.toml:37:11: probe #1: \"command\"", nul);
}

TEST_CASE("one-line values refuse every control character", "[drills][hostile]") {
  RequireRefused("title = \"Checkout loses its database\"", "title = \"Checkout\\u001b[2J\"",
                 "drill.toml:2:9: drill: \"title\"", "a control character (\\u001b)");
  RequireRefused("title = \"Checkout loses its database\"", "title = \"Checkout\\tdb\"",
                 "drill.toml:2:9: drill: \"title\"", "(\\t)");
  RequireRefused("playbook = \"https://wiki.example.com/runbooks/checkout-db\"",
                 "playbook = \"https://wiki.example.com/\\nrunbook\"",
                 "drill.toml:5:12: drill: \"playbook\"", "(\\n)");
  RequireRefused("role = \"incident-commander\"", "role = \"commander\\u0085\"",
                 "drill.toml:22:8: participant #1: \"role\"", "(\\u0085)");
  RequireRefused("zone = \"Europe/Copenhagen\"", "zone = \"Europe/Copenhagen\\r\"",
                 "drill.toml:14:8: [window]: \"zone\"", "(\\r)");
}

TEST_CASE("commands and prose keep tabs and line breaks, and nothing else", "[drills][hostile]") {
  std::string text = ReplaceOnce(
      kValidDrill, "kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"",
      "kind = \"command\"\ntarget = \"db\"\ninject = \"\"\"\nif true; then\n\ttouch /tmp/x\nfi\n"
      "\"\"\"\nrestore = \"rm -f /tmp/x\\n\\ttrue\"");
  text = ReplaceOnce(text, "[objectives]",
                     "hypothesis = \"\"\"\nLine one,\n\tline two.\"\"\"\n[objectives]");
  LoadResult ok = LoadText(text);
  INFO(Diagnosed(ok));
  REQUIRE(ok.ok());
  CHECK(*ok.drill->faults[0].restore_command == "rm -f /tmp/x\n\ttrue");
  RequireRefused("kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"",
                 kCommandFault + "\ncheck = \"test -e /tmp/x\\r\"",
                 "drill.toml:32:9: fault #1 (command): \"check\"", "(\\r)");
  RequireRefused("kind = \"network.block\"\ntarget = \"db\"\nport = 5432\nmode = \"reject\"",
                 kCommandFault + "\ncheck = \"test -e /tmp/x\\b\"",
                 "drill.toml:32:9: fault #1 (command): \"check\"", "(\\u0008)");
}
