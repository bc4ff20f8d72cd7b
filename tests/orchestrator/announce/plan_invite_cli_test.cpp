// `firedrill plan FILE --ics OUT.ics [--sequence N] [--cancel]`: the invite as a team lead makes
// it.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "tests/orchestrator/announce/ics_parser.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::ParseWithIcalendar;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using Run = testing::CliResult;
using testing::Cli;

const std::string kExample =
    std::string(FIREDRILL_SOURCE_DIR) + "/drills/examples/db-port-blackhole.toml";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The example drill with its `owner = ...` line replaced by `owner_line`.
fs::path ExampleWithOwner(const fs::path& dir, const std::string& owner_line) {
  std::string text = ReadFile(kExample);
  const std::string owner = "owner = \"Platform Team <platform@example.com>\"";
  std::size_t at = text.find(owner);
  REQUIRE(at != std::string::npos);
  text.replace(at, owner.size(), owner_line);
  fs::path file = dir / "drill.toml";
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

}  // namespace

TEST_CASE("plan --ics writes a request, a reschedule and a cancellation a parser accepts",
          "[announce][cli]") {
  TempDir tmp;
  struct Step {
    std::vector<std::string> extra;
    std::string method;
    int sequence;
    std::string status;
  };
  std::vector<Step> steps = {
      {{}, "REQUEST", 0, "CONFIRMED"},
      {{"--sequence", "1"}, "REQUEST", 1, "CONFIRMED"},
      {{"--sequence=2", "--cancel"}, "CANCEL", 2, "CANCELLED"},
  };
  std::string first_uid;
  for (const Step& s : steps) {
    fs::path ics = tmp.path() / fmt::format("invite-{}.ics", s.sequence);
    std::vector<std::string> args = {"plan", kExample, "--ics", ics.string()};
    args.insert(args.end(), s.extra.begin(), s.extra.end());
    Run r = Cli(args);
    INFO(r.err);
    REQUIRE(r.status == kExitOk);
    CHECK_THAT(r.out, Catch::Contains("announce by"));  // still the plan
    CHECK_THAT(r.out, Catch::Contains("Invite written to " + ics.string()));
    CHECK(r.err.empty());
    std::string text = ReadFile(ics);
    CHECK_THAT(text, Catch::StartsWith("BEGIN:VCALENDAR\r\n"));
    CHECK_FALSE(fs::exists(ics.string() + ".tmp"));

    std::optional<json::object> v = ParseWithIcalendar(ics);
    if (!v) continue;
    INFO(json::serialize(*v));
    CHECK(v->at("errors").as_array().empty());
    CHECK(v->at("method").as_string() == s.method);
    CHECK(v->at("status").as_string() == s.status);
    CHECK(v->at("sequence").as_int64() == s.sequence);
    CHECK(v->at("uid").as_string() == "checkout-db-blackhole@drills.firedrill.invalid");
    CHECK(v->at("summary").as_string() ==
          "[DRILL] Checkout loses its PostgreSQL database (checkout-db-blackhole)");
    // The example's window is 14:00-15:00 at +02:00.
    CHECK(v->at("dtstart").as_string() == "2027-04-14T12:00:00Z");
    CHECK(v->at("dtend").as_string() == "2027-04-14T13:00:00Z");
    CHECK(v->at("organizer").at("uri").as_string() == "mailto:platform@example.com");
    CHECK(v->at("attendees").as_array().size() == 5);
    std::string description(v->at("description").as_string());
    CHECK_THAT(description, Catch::Contains("This is a practice drill, not a real incident."));
    CHECK_THAT(description,
               Catch::Contains(
                   "Playbook: https://wiki.example.com/runbooks/checkout/database-unreachable"));
    CHECK_THAT(description, Catch::Contains("Window: 2027-04-14 14:00:00 CEST (+02:00) to "
                                            "2027-04-14 15:00:00 CEST (+02:00) (Europe/Berlin)"));
    CHECK_THAT(description, Catch::Contains("Hypothesis: PostgresUnreachable fires within 3"));
  }
}

TEST_CASE("plan --json --ics reports the invite it wrote", "[announce][cli]") {
  TempDir tmp;
  fs::path ics = tmp.path() / "drill.ics";
  Run r = Cli({"plan", "--json", "--ics", ics.string(), "--sequence", "4", kExample});
  INFO(r.err);
  REQUIRE(r.status == kExitOk);
  json::value v = json::parse(r.out);
  CHECK(v.at("drill").as_string() == "checkout-db-blackhole");
  CHECK(v.at("invite").at("file").as_string() == ics.string());
  CHECK(v.at("invite").at("method").as_string() == "REQUEST");
  CHECK(v.at("invite").at("sequence").as_int64() == 4);
  CHECK(v.at("invite").at("uid").as_string() == "checkout-db-blackhole@drills.firedrill.invalid");
  CHECK(v.at("invite").at("not_invited").as_array().empty());
  CHECK_THAT(ReadFile(ics), Catch::Contains("\r\nSEQUENCE:4\r\n"));
  // Without --ics there is no invite and nothing is written.
  Run plain = Cli({"plan", "--json", kExample});
  REQUIRE(plain.status == kExitOk);
  CHECK(json::parse(plain.out).as_object().if_contains("invite") == nullptr);
}

TEST_CASE("plan refuses bad invite options, naming them, and writes nothing", "[announce][cli]") {
  TempDir tmp;
  fs::path ics = tmp.path() / "drill.ics";

  Run words = Cli({"plan", kExample, "--ics", ics.string(), "--sequence", "two"});
  CHECK(words.status == kExitUsage);
  CHECK_THAT(words.err,
             Catch::Contains("--sequence must be a whole number 0 or more, not \"two\""));
  Run negative = Cli({"plan", kExample, "--ics", ics.string(), "--sequence", "-1"});
  CHECK(negative.status == kExitUsage);
  CHECK_THAT(negative.err, Catch::Contains("not \"-1\""));
  Run trailing = Cli({"plan", kExample, "--ics", ics.string(), "--sequence", "3x"});
  CHECK(trailing.status == kExitUsage);
  Run huge = Cli({"plan", kExample, "--ics", ics.string(), "--sequence", "99999999999"});
  CHECK(huge.status == kExitUsage);

  Run alone = Cli({"plan", kExample, "--cancel"});
  CHECK(alone.status == kExitUsage);
  CHECK_THAT(alone.err, Catch::Contains("--cancel only applies to an invite; add --ics OUT.ics"));
  Run seq_alone = Cli({"plan", kExample, "--sequence", "1"});
  CHECK(seq_alone.status == kExitUsage);
  CHECK_THAT(seq_alone.err, Catch::Contains("--sequence only applies"));
  CHECK(alone.out.empty());

  Run empty = Cli({"plan", kExample, "--ics="});
  CHECK(empty.status == kExitUsage);
  CHECK_THAT(empty.err, Catch::Contains("--ics needs a file name"));

  CHECK(fs::is_empty(tmp.path()));
}

TEST_CASE("plan --ics fails with the path when the invite cannot be written", "[announce][cli]") {
  TempDir tmp;
  fs::path ics = tmp.path() / "no-such-dir" / "drill.ics";
  Run r = Cli({"plan", kExample, "--ics", ics.string()});
  CHECK(r.status == kExitFailure);
  CHECK_THAT(r.err, Catch::Contains("--ics: cannot write " + ics.string() + ": "));
  CHECK(r.out.empty());

  // A directory in the way: nothing replaces it, no temporary file is left behind.
  fs::path dir = tmp.path() / "taken.ics";
  fs::create_directory(dir);
  Run d = Cli({"plan", kExample, "--ics", dir.string()});
  CHECK(d.status == kExitFailure);
  CHECK_THAT(d.err, Catch::Contains("--ics: cannot write " + dir.string() + ": "));
  CHECK(fs::is_directory(dir));
  CHECK_FALSE(fs::exists(dir.string() + ".tmp"));
}

TEST_CASE("plan --ics needs an owner with an e-mail address and names who is left out",
          "[announce][cli]") {
  TempDir tmp;
  fs::path no_mail = ExampleWithOwner(tmp.path(), "owner = \"Platform Team\"");
  fs::path ics = tmp.path() / "drill.ics";
  Run r = Cli({"plan", no_mail.string(), "--ics", ics.string()});
  CHECK(r.status == kExitInvalidDrill);
  CHECK_THAT(r.err, Catch::Contains(no_mail.string() + ": no invite written:"));
  CHECK_THAT(r.err, Catch::Contains("owner \"Platform Team\" has no usable e-mail address"));
  CHECK_FALSE(fs::exists(ics));
  // Without --ics the same drill plans fine: the e-mail address is only needed for the invite.
  CHECK(Cli({"plan", no_mail.string()}).status == kExitOk);

  // A participant without an address is planned but not invited, and the lead is told.
  std::string text = ReadFile(kExample);
  text += "\n[[participants]]\nname = \"Kim from support\"\nrole = \"observer\"\n";
  fs::path nameless = tmp.path() / "nameless.toml";
  std::ofstream(nameless, std::ios::binary) << text;
  Run n = Cli({"plan", nameless.string(), "--ics", ics.string()});
  INFO(n.err);
  REQUIRE(n.status == kExitOk);
  CHECK_THAT(n.err, Catch::Contains(nameless.string() +
                                    ": \"Kim from support\" has no e-mail address and is not in "
                                    "the invite"));
  // The description still lists them (unfolded here: a fold may fall anywhere in the line).
  std::string unfolded = ReadFile(ics);
  for (std::size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(at, 3);
  CHECK_THAT(unfolded, Catch::Contains("- Kim from support (observer)"));
  CHECK_THAT(unfolded, Catch::Contains("RSVP=TRUE:mailto:dba@example.com\r\n"));
  CHECK_THAT(unfolded, !Catch::Contains("Kim from support\";ROLE"));
}

TEST_CASE("plan --help explains the invite options", "[announce][cli]") {
  Run h = Cli({"plan", "--help"});
  CHECK(h.status == kExitOk);
  for (const char* option : {"--ics OUT.ics", "--sequence N", "--cancel", "[DRILL]"}) {
    CHECK_THAT(h.out, Catch::Contains(option));
  }
}

TEST_CASE("validate warns that a drill with nobody to invite is published, and plan publishes it",
          "[announce][cli]") {
  TempDir tmp;
  std::string text = ReadFile(kExample);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"attendees = [\"checkout-team@example.com\", \"dba@example.com\"]", "attendees = []"},
           {"name = \"jonas.weber@example.com\"", "name = \"Jonas Weber\""},
           {"name = \"dba-oncall@example.com\"", "name = \"DBA on call\""},
           {"name = \"product-owner@example.com\"", "name = \"Product owner\""}}) {
    std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  }
  fs::path file = tmp.path() / "nobody.toml";
  std::ofstream(file, std::ios::binary) << text;

  Run v = Cli({"validate", file.string()});
  INFO(v.err);
  CHECK(v.status == kExitOk);
  CHECK_THAT(v.out, Catch::Contains(": ok: drill"));
  CHECK_THAT(v.err,
             Catch::Contains(file.string() + ": warning: ") && Catch::Contains("METHOD:PUBLISH"));
  // The example itself invites people: no warning.
  CHECK(Cli({"validate", kExample}).err.empty());

  fs::path ics = tmp.path() / "nobody.ics";
  Run p = Cli({"plan", "--json", "--ics", ics.string(), file.string()});
  INFO(p.err);
  REQUIRE(p.status == kExitOk);
  CHECK(json::parse(p.out).at("invite").at("method").as_string() == "PUBLISH");
  CHECK_THAT(ReadFile(ics), Catch::Contains("\r\nMETHOD:PUBLISH\r\n"));
}
