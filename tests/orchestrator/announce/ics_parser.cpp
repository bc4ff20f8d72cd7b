#include "tests/orchestrator/announce/ics_parser.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "faults/local_runner.h"
#include "faults/run_on.h"

namespace firedrill::testing {
namespace {

namespace fs = std::filesystem;

// Quotes `s` for /bin/sh: inside single quotes only the single quote itself needs care.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

// ics_fields.py exits with this when the icalendar module cannot be imported.
constexpr int kExitParserMissing = 77;

}  // namespace

std::optional<boost::json::object> ParseWithIcalendar(const fs::path& ics) {
  const std::string python = FIREDRILL_TEST_PYTHON;
  if (!fs::exists(python)) {
    WARN("SKIPPED the check with a real iCalendar parser: "
         << python << " does not exist (install python3 and python3-icalendar)");
    return std::nullopt;
  }
  LocalRunner runner;
  std::string command = ShellQuote(python) + " " + ShellQuote(FIREDRILL_ICS_FIELDS_SCRIPT) + " " +
                        ShellQuote(ics.string());
  Expected<CommandResult> run = RunBlocking(runner.Run(command, std::chrono::seconds(60)));
  INFO(command);
  REQUIRE(run.ok());
  if (run->exit_code == kExitParserMissing) {
    WARN("SKIPPED the check with a real iCalendar parser: " << run->out);
    return std::nullopt;
  }
  INFO("stderr: " << run->err);
  REQUIRE(run->exit_code == 0);
  boost::json::value v = boost::json::parse(run->out);
  REQUIRE(v.is_object());
  return v.as_object();
}

}  // namespace firedrill::testing
