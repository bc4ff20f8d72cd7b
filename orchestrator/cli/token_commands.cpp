#include "orchestrator/cli/token_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>

#include "drills/zoned_time.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/token_table.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kRoles = "lead, responder, auditor";

// Who runs the command, for the event's actor.
std::string Actor() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

// {id, role, name}: what the audit trail keeps of a token. Never the token or its hash.
TokenChange EventPayload(const TokenRecord& t) {
  return TokenChange{.id = t.id, .role = std::string(RoleName(t.role)), .name = t.name};
}

json::object TokenJson(const TokenRecord& t) {
  return json::object{
      {"id", t.id},
      {"role", RoleName(t.role)},
      {"name", t.name},
      {"created", FormatUtc(t.created)},
      {"revoked", t.revoked ? json::value(FormatUtc(*t.revoked)) : json::value(nullptr)}};
}

std::string Describe(const TokenRecord& t) {
  return t.name.empty() ? fmt::format("{} (role {})", t.id, RoleName(t.role))
                        : fmt::format("{} (role {}, name \"{}\")", t.id, RoleName(t.role), t.name);
}

// Opens the existing database read-write. Returns nullopt after printing why; `exit` says with
// which code.
std::optional<Database> OpenExisting(const Invocation& inv, int& exit) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.err,
               "firedrill: no records at {} (no {}), so no tokens; check --state or "
               "FIREDRILL_STATE\n",
               dir.string(), Database::kFileName);
    exit = kExitStateError;
    return std::nullopt;
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    exit = kExitStateError;
    return std::nullopt;
  }
  return std::move(*db);
}

int RunCreate(const Invocation& inv) {
  std::optional<std::string> role_name = inv.args.Value("role");
  if (!role_name) {
    fmt::print(inv.err,
               "firedrill token create: --role is required; one of: {} (see firedrill token "
               "create --help)\n",
               kRoles);
    return kExitUsage;
  }
  std::optional<Role> role = ParseRole(*role_name);
  if (!role) {
    fmt::print(inv.err, "firedrill token create: --role \"{}\" is not a role; one of: {}\n",
               *role_name, kRoles);
    return kExitUsage;
  }
  std::string name = inv.args.Value("name").value_or("");
  if (Status st = TokenTable::CheckName(name); !st) {
    fmt::print(inv.err, "firedrill token create: --name: {}\n", st.error().message);
    return kExitUsage;
  }

  auto db = Database::Open(ResolveStateDir(inv.args.Value("state")), OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    return kExitStateError;
  }
  TokenTable tokens(*db);
  auto created = tokens.Create(*role, name);
  if (!created) {
    fmt::print(inv.err, "firedrill: {}\n", created.error().ToString());
    return kExitFailure;
  }
  const auto& [record, token] = *created;
  auto event = AppendTyped(*db, std::string(kTokenEventDrillId), EventKind::kTokenCreated, Actor(),
                           EventPayload(record));
  if (!event) {
    // A token the audit trail does not know of must not work: take it back before anyone has
    // seen it.
    Status undone = tokens.Revoke(record.id);
    fmt::print(inv.err, "firedrill: cannot record the new token in the event log: {}; {}\n",
               event.error().ToString(),
               undone ? fmt::format("token {} was revoked again and not shown", record.id)
                      : fmt::format("revoking it failed too ({}): run firedrill token revoke {}",
                                    undone.error().ToString(), record.id));
    return kExitFailure;
  }

  if (inv.args.Has("json")) {
    json::object o = TokenJson(record);
    o["token"] = token;
    inv.out << json::serialize(o) << "\n";
  } else {
    inv.out << token << "\n";
  }
  // The token alone goes to standard output, so TOKEN=$(firedrill token create ...) works; the
  // advice goes to standard error, where a terminal shows it next to the token.
  fmt::print(inv.err,
             "Created API token {}.\n"
             "Warning: this is the only time the token is shown. firedrill keeps only its\n"
             "SHA-256 and cannot show it again. Store it now; if it is lost, revoke it and create\n"
             "another.\n"
             "Use it as the HTTP header \"Authorization: Bearer <token>\", or give it to the\n"
             "firedrill command line in the environment variable FIREDRILL_TOKEN.\n"
             "Revoke it with: firedrill token revoke {}\n",
             Describe(record), record.id);
  return kExitOk;
}

int RunList(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.err, "no tokens yet: {} holds no {}\n", dir.string(), Database::kFileName);
    if (inv.args.Has("json")) inv.out << "[]\n";
    return kExitOk;
  }
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto tokens = TokenTable(*db).List();
  if (!tokens) {
    fmt::print(inv.err, "firedrill: {}\n", tokens.error().ToString());
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    json::array rows;
    for (const TokenRecord& t : *tokens) rows.push_back(TokenJson(t));
    inv.out << json::serialize(rows) << "\n";
    return kExitOk;
  }
  if (tokens->empty()) {
    fmt::print(inv.err, "no tokens yet; make one with firedrill token create --role ROLE\n");
    return kExitOk;
  }
  fmt::print(inv.out, "{:<8}  {:<9}  {:<24}  {:<24}  {}\n", "ID", "ROLE", "CREATED", "REVOKED",
             "NAME");
  for (const TokenRecord& t : *tokens) {
    fmt::print(inv.out, "{:<8}  {:<9}  {:<24}  {:<24}  {}\n", t.id, RoleName(t.role),
               FormatUtc(t.created), t.revoked ? FormatUtc(*t.revoked) : "-",
               t.name.empty() ? "-" : t.name);
  }
  return kExitOk;
}

int RunRevoke(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  if (id.starts_with(TokenTable::kPrefix)) {
    fmt::print(inv.err,
               "firedrill token revoke: give the token's id, not the token: the 8 hex digits "
               "after \"{}\" (see firedrill token list)\n",
               TokenTable::kPrefix);
    return kExitUsage;
  }
  int exit = kExitOk;
  auto db = OpenExisting(inv, exit);
  if (!db) return exit;
  TokenTable tokens(*db);
  auto found = tokens.Get(id);
  if (!found) {
    fmt::print(inv.err, "firedrill: {}\n", found.error().ToString());
    return kExitStateError;
  }
  if (!*found) {
    fmt::print(inv.err, "firedrill token revoke: no token \"{}\" (see firedrill token list)\n", id);
    return kExitNotFound;
  }
  const TokenRecord& record = **found;
  if (record.revoked) {
    fmt::print(inv.out, "token {} was already revoked at {}; nothing changed\n", Describe(record),
               FormatUtc(*record.revoked));
    return kExitOk;
  }
  if (Status st = tokens.Revoke(id); !st) {
    fmt::print(inv.err, "firedrill: {}\n", st.error().ToString());
    return kExitFailure;
  }
  auto event = AppendTyped(*db, std::string(kTokenEventDrillId), EventKind::kTokenRevoked, Actor(),
                           EventPayload(record));
  if (!event) {
    fmt::print(inv.err,
               "firedrill: token {} is revoked, but the revocation could not be recorded in the "
               "event log: {}\n",
               id, event.error().ToString());
    return kExitFailure;
  }
  fmt::print(inv.out, "revoked token {}: it no longer authenticates\n", Describe(record));
  return kExitOk;
}

constexpr std::string_view kStateHelp =
    "  --state DIR    the state directory (default $FIREDRILL_STATE, else\n"
    "                 $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill)\n";

}  // namespace

Command TokenCreateCommand() {
  return Command{
      "token create",
      "firedrill token create --role lead|responder|auditor [--name NAME] [--json] [--state "
      "DIR]",
      "make an API token for the daemon's HTTP API (shown once)",
      "Makes a new API token with a role and prints it. The token is shown this one time only:\n"
      "firedrill stores just its SHA-256, so it cannot show it again. Store it at once (a\n"
      "password manager, a secret store); a lost token is revoked and replaced, not recovered.\n"
      "\n"
      "Roles (each may do everything the ones below it may):\n"
      "  lead       schedule, cancel and abort drills, send briefings\n"
      "  responder  acknowledge detection and recovery (with notes), status, list\n"
      "  auditor    read only: list drills, status, blackouts, metrics\n"
      "Give each person or bot its own token with the least role that does the job.\n"
      "\n"
      "Use the token as the HTTP header  Authorization: Bearer <token>  or, for the firedrill\n"
      "command line, in the environment variable FIREDRILL_TOKEN. It reads fdt_<id>_<secret>;\n"
      "the 8-hex-digit id is public (firedrill token list, firedrill token revoke ID).\n"
      "\n"
      "Standard output holds only the token (or, with --json, the object below), so\n"
      "TOKEN=$(firedrill token create --role responder --name chat-bot) works; the notes go to\n"
      "standard error. The event log records a token-created event {id, role, name}, never\n"
      "the token.\n"
      "\n"
      "Options:\n"
      "  --role ROLE    lead, responder or auditor (required)\n"
      "  --name NAME    who or what holds the token, e.g. alice or chat-bot (up to 200 bytes)\n"
      "  --json         {id, role, name, created, revoked, token}\n" +
          std::string(kStateHelp) +
          "\n"
          "Exit status: 0, 2 on a missing or unknown role, 4 if the state directory cannot be\n"
          "used, 1 if the token could not be made or recorded (then it does not work).\n",
      ArgSpec{{"json"}, {"role", "name"}, 0, 0},
      RunCreate};
}

Command TokenListCommand() {
  return Command{
      "token list",
      "firedrill token list [--json] [--state DIR]",
      "every API token: id, role, name, created, revoked",
      "Lists the API tokens of the state directory, revoked ones included, oldest first: id,\n"
      "role, creation time, revocation time (\"-\" while it works) and name. Times are UTC.\n"
      "Neither tokens nor their hashes are shown: they cannot be, and need not be. Read-only.\n"
      "\n"
      "Options:\n"
      "  --json         a JSON array of {id, role, name, created, revoked}; revoked is null\n"
      "                 for a working token\n" +
          std::string(kStateHelp) +
          "\n"
          "Exit status: 0 (also when there are no tokens yet), 4 if the records cannot be read.\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunList};
}

Command TokenRevokeCommand() {
  return Command{
      "token revoke",
      "firedrill token revoke ID [--state DIR]",
      "stop an API token from working",
      "Revokes the token with this id (firedrill token list shows the ids): from then on it\n"
      "no longer authenticates. Revocation cannot be undone; make a new token instead. The\n"
      "token stays in firedrill token list with its revocation time, and the event log records\n"
      "a token-revoked event {id, role, name}. Revoking a revoked token changes nothing.\n"
      "\n"
      "Options:\n" +
          std::string(kStateHelp) +
          "\n"
          "Exit status: 0, 7 if there is no token with this id, 4 if the records cannot be\n"
          "used, 1 if the revocation could not be recorded in the event log (the token is\n"
          "revoked all the same).\n",
      ArgSpec{{}, {}, 1, 1},
      RunRevoke};
}

}  // namespace firedrill
