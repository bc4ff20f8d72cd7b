// The token commands: create shows the token once and records who could act, list never shows a
// token or hash, revoke stops a token, and usage errors name what is wrong.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/token_table.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using Run = testing::CliResult;
using testing::Cli;

std::string SecretOf(const std::string& token) { return token.substr(token.rfind('_') + 1); }

// The events that belong to no drill, where the token events are.
std::vector<Event> TokenEvents(const fs::path& state) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto events = EventLog(*db).ForDrill("");
  REQUIRE(events.ok());
  return *events;
}

std::optional<TokenRecord> Authenticate(const fs::path& state, const std::string& token) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto found = TokenTable(*db).Authenticate(token);
  REQUIRE(found.ok());
  return *found;
}

// Makes a token through the CLI; returns {id, token}.
std::pair<std::string, std::string> Create(const fs::path& state, const std::string& role,
                                           const std::string& name) {
  Run r =
      Cli({"token", "create", "--role", role, "--name", name, "--json", "--state", state.string()});
  INFO(r.err);
  REQUIRE(r.status == kExitOk);
  json::value v = json::parse(r.out);
  return {std::string(v.at("id").as_string()), std::string(v.at("token").as_string())};
}

}  // namespace

TEST_CASE("token create prints the token once, on stdout alone, with a warning on stderr",
          "[cli][tokens]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Run r = Cli(
      {"token", "create", "--role", "responder", "--name", "chat-bot", "--state", state.string()});
  INFO(r.err);
  REQUIRE(r.status == kExitOk);
  REQUIRE(!r.out.empty());
  REQUIRE(r.out.back() == '\n');
  std::string token = r.out.substr(0, r.out.size() - 1);
  CHECK(token.find('\n') == std::string::npos);
  CHECK(token.rfind("fdt_", 0) == 0);
  CHECK_THAT(r.err, Catch::Contains("Warning: this is the only time the token is shown"));
  CHECK_THAT(r.err, Catch::Contains("Authorization: Bearer <token>"));
  CHECK_THAT(r.err, Catch::Contains("FIREDRILL_TOKEN"));
  CHECK(r.err.find(SecretOf(token)) == std::string::npos);

  auto found = Authenticate(state, token);
  REQUIRE(found.has_value());
  CHECK(found->role == Role::kResponder);
  CHECK(found->name == "chat-bot");
  CHECK_THAT(r.err, Catch::Contains(found->id));

  // Nothing shows it again.
  for (const std::vector<std::string>& args : {std::vector<std::string>{"token", "list"},
                                               {"token", "list", "--json"},
                                               {"records", "export"}}) {
    std::vector<std::string> with_state = args;
    with_state.insert(with_state.end(), {"--state", state.string()});
    Run again = Cli(with_state);
    INFO(args[0] << " " << args[1]);
    CHECK(again.status == kExitOk);
    CHECK(again.out.find(SecretOf(token)) == std::string::npos);
    CHECK(again.err.find(SecretOf(token)) == std::string::npos);
  }

  // The event log says who could act, and nothing more.
  std::vector<Event> events = TokenEvents(state);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "token-created");
  json::value payload = json::parse(events[0].payload_json);
  CHECK(payload == json::value{{"id", found->id}, {"role", "responder"}, {"name", "chat-bot"}});
}

TEST_CASE("token create --json and token list --json show id, role, name and times only",
          "[cli][tokens]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Run made = Cli({"token", "create", "--role", "lead", "--json", "--state", state.string()});
  REQUIRE(made.status == kExitOk);
  json::object created = json::parse(made.out).as_object();
  CHECK(created.at("role") == "lead");
  CHECK(created.at("name") == "");
  CHECK(created.at("revoked").is_null());
  CHECK(created.at("created").as_string().ends_with("Z"));
  std::string lead = std::string(created.at("token").as_string());
  auto [auditor_id, auditor] = Create(state, "auditor", "carol");

  Run list = Cli({"token", "list", "--json", "--state", state.string()});
  REQUIRE(list.status == kExitOk);
  json::array rows = json::parse(list.out).as_array();
  REQUIRE(rows.size() == 2);
  std::set<std::string> ids;
  for (const json::value& row : rows) {
    std::set<std::string> keys;
    for (const auto& kv : row.as_object()) keys.insert(std::string(kv.key()));
    CHECK(keys == std::set<std::string>{"id", "role", "name", "created", "revoked"});
    ids.insert(std::string(row.at("id").as_string()));
  }
  CHECK(ids == std::set<std::string>{std::string(created.at("id").as_string()), auditor_id});
  CHECK(list.out.find(SecretOf(lead)) == std::string::npos);
  CHECK(list.out.find(SecretOf(auditor)) == std::string::npos);

  Run table = Cli({"token", "list", "--state", state.string()});
  REQUIRE(table.status == kExitOk);
  CHECK_THAT(table.out, Catch::Contains("ROLE"));
  CHECK_THAT(table.out, Catch::Contains(auditor_id));
  CHECK_THAT(table.out, Catch::Contains("carol"));
}

TEST_CASE("token list with no records prints none and creates nothing", "[cli][tokens]") {
  TempDir tmp;
  fs::path missing = tmp.path() / "never-created";
  Run r = Cli({"token", "list", "--json", "--state", missing.string()});
  CHECK(r.status == kExitOk);
  CHECK(r.out == "[]\n");
  CHECK(Cli({"token", "list", "--state", missing.string()}).status == kExitOk);
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("token revoke stops the token, is recorded, and says when there is nothing to do",
          "[cli][tokens]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  auto [id, token] = Create(state, "lead", "alice");
  auto [other_id, other] = Create(state, "responder", "bob");
  REQUIRE(Authenticate(state, token).has_value());

  Run r = Cli({"token", "revoke", id, "--state", state.string()});
  INFO(r.err);
  REQUIRE(r.status == kExitOk);
  CHECK_THAT(r.out, Catch::Contains("revoked token " + id));
  CHECK_FALSE(Authenticate(state, token).has_value());
  CHECK(Authenticate(state, other).has_value());

  std::vector<Event> events = TokenEvents(state);
  REQUIRE(events.size() == 3);
  CHECK(events[2].kind == "token-revoked");
  CHECK(json::parse(events[2].payload_json) ==
        json::value{{"id", id}, {"role", "lead"}, {"name", "alice"}});

  Run list = Cli({"token", "list", "--json", "--state", state.string()});
  json::value listed = json::parse(list.out);
  for (const json::value& row : listed.as_array()) {
    CHECK(row.at("revoked").is_null() == (row.at("id").as_string() == other_id));
  }

  Run again = Cli({"token", "revoke", id, "--state", state.string()});
  CHECK(again.status == kExitOk);
  CHECK_THAT(again.out, Catch::Contains("already revoked"));
  CHECK(TokenEvents(state).size() == 3);

  Run unknown = Cli({"token", "revoke", "0badc0de", "--state", state.string()});
  CHECK(unknown.status == kExitNotFound);
  CHECK_THAT(unknown.err, Catch::Contains("\"0badc0de\""));

  Run whole = Cli({"token", "revoke", other, "--state", state.string()});
  CHECK(whole.status == kExitUsage);
  CHECK(whole.err.find(SecretOf(other)) == std::string::npos);
  CHECK(Authenticate(state, other).has_value());

  Run nowhere = Cli({"token", "revoke", id, "--state", (tmp.path() / "none").string()});
  CHECK(nowhere.status == kExitStateError);
  CHECK_FALSE(fs::exists(tmp.path() / "none"));
}

TEST_CASE("token create with a missing or unknown role is a usage error naming the valid roles",
          "[cli][tokens]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  Run bad = Cli({"token", "create", "--role", "admin", "--state", state.string()});
  CHECK(bad.status == kExitUsage);
  CHECK_THAT(bad.err, Catch::Contains("\"admin\""));
  CHECK_THAT(bad.err, Catch::Contains("lead, responder, auditor"));
  CHECK(bad.out.empty());

  Run missing = Cli({"token", "create", "--state", state.string()});
  CHECK(missing.status == kExitUsage);
  CHECK_THAT(missing.err, Catch::Contains("--role"));

  Run name =
      Cli({"token", "create", "--role", "lead", "--name", "two\nlines", "--state", state.string()});
  CHECK(name.status == kExitUsage);
  CHECK_FALSE(fs::exists(state));

  Run group = Cli({"token"});
  CHECK(group.status == kExitUsage);
  CHECK_THAT(group.err, Catch::Contains("token create, token list, token revoke"));
}

TEST_CASE("token --help teaches roles, the one-time display and revocation", "[cli][tokens]") {
  Run create = Cli({"token", "create", "--help"});
  CHECK(create.status == kExitOk);
  for (const char* want : {"lead", "responder", "auditor", "only", "Authorization: Bearer",
                           "FIREDRILL_TOKEN", "SHA-256"}) {
    CHECK_THAT(create.out, Catch::Contains(want));
  }
  CHECK_THAT(Cli({"token", "list", "--help"}).out, Catch::Contains("--json"));
  CHECK_THAT(Cli({"token", "revoke", "--help"}).out, Catch::Contains("no longer authenticates"));
  CHECK_THAT(Cli({"--help"}).out, Catch::Contains("token create"));
}
