// Every command's --help, walked: one grammar across commands (docs/cli-grammar.md). The
// summary is a lowercase phrase; the usage line names every option the command takes; the help
// explains every option and ends with the exit statuses.
#include <catch2/catch.hpp>
#include <string>

#include "orchestrator/cli/command.h"

namespace firedrill {
namespace {

// Whether `text` holds "--name" as a whole option (not the start of a longer one).
bool NamesOption(const std::string& text, const std::string& name) {
  const std::string option = "--" + name;
  for (std::size_t at = text.find(option); at != std::string::npos;
       at = text.find(option, at + 1)) {
    const std::size_t end = at + option.size();
    if (end == text.size() ||
        !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-')) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("every command's help follows the one grammar", "[cli][help]") {
  for (const Command& c : Commands()) {
    INFO("firedrill " << c.name);
    CHECK(c.usage.rfind("firedrill " + c.name, 0) == 0);
    REQUIRE_FALSE(c.summary.empty());
    CHECK(std::islower(static_cast<unsigned char>(c.summary.front())));
    CHECK(c.summary.back() != '.');
    CHECK(c.help.find("Exit status") != std::string::npos);
    for (const auto* options : {&c.spec.flags, &c.spec.values}) {
      for (const std::string& name : *options) {
        INFO("--" << name);
        CHECK(NamesOption(c.usage, name));
        // "--state DIR" is explained once for all commands (firedrill --help).
        if (name != "state") CHECK(NamesOption(c.help, name));
      }
    }
  }
}

}  // namespace firedrill
