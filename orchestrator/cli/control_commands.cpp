#include "orchestrator/cli/control_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "orchestrator/control/control_client.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// Long enough for a busy engine (it answers between steps), short enough for a person waiting.
constexpr Duration kTimeout = std::chrono::seconds(10);

// Writes the message and hands back `status`, so that failures read `return Fail(...)`.
int Fail(const Invocation& inv, const char* command, int status, const std::string& message) {
  fmt::print(inv.err, "firedrill {}: {}\n", command, message);
  return status;
}

int Usage(const Invocation& inv, const char* command, const char* usage,
          const std::string& message) {
  fmt::print(inv.err, "firedrill {}: {}\nUsage: {}\n(see firedrill {} --help)\n", command, message,
             usage, command);
  return kExitUsage;
}

// The server's {"error": ...} message, else whatever it sent.
std::string ServerMessage(const ControlResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const json::value* e = v.as_object().if_contains("error"); e && e->is_string()) {
      return std::string(e->as_string());
    }
  }
  return r.body.empty()
             ? fmt::format("the control endpoint answered HTTP {}", r.status)
             : fmt::format("the control endpoint answered HTTP {}: {}", r.status, r.body);
}

// 404: no such drill; 400: the request names something wrongly (an ambiguous --by).
int ExitFor(const ControlResponse& r) {
  if (r.status == 404) return kExitNotFound;
  return r.status == 400 ? kExitUsage : kExitFailure;
}

std::string StringField(const json::value& v, const char* key, const std::string& fallback) {
  if (const json::object* o = v.if_object()) {
    if (const json::value* f = o->if_contains(key); f && f->is_string()) {
      return std::string(f->as_string());
    }
  }
  return fallback;
}

std::string DefaultActor(const std::optional<std::string>& by) {
  if (by && !by->empty()) return *by;
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

// Drill ids are lowercase letters, digits and '-'; refusing anything else keeps a typo (or a
// '/') from ever reaching another route.
bool PlausibleDrillId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// The ids the running drill process lists, or the exit status after printing why not.
struct DrillList {
  std::vector<std::string> ids;
  int exit = kExitOk;
};

DrillList ListDrills(const Invocation& inv, const char* command, const ControlEndpoint& endpoint,
                     const std::string& state_dir) {
  auto r = SendControl(endpoint, "GET", "/v1/drills", "", kTimeout);
  if (!r.ok()) return {{}, Fail(inv, command, kExitFailure, r.error().message)};
  if (r->status != 200) return {{}, Fail(inv, command, ExitFor(*r), ServerMessage(*r))};
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* drills = o ? o->if_contains("drills") : nullptr;
  if (drills == nullptr || !drills->is_array()) {
    return {{}, Fail(inv, command, kExitFailure, "the control endpoint sent no drill list")};
  }
  DrillList out;
  for (const json::value& d : drills->as_array()) {
    std::string id = StringField(d, "id", "");
    if (!id.empty()) out.ids.push_back(std::move(id));
  }
  if (out.ids.empty()) {
    out.exit = Fail(inv, command, kExitStateError,
                    fmt::format("no drill is running for state dir {}", state_dir));
  }
  return out;
}

// The drill to act on: --drill, else the only one running. Empty after printing why not.
std::optional<std::string> PickDrill(const Invocation& inv, const char* command,
                                     const ControlEndpoint& endpoint, const std::string& state_dir,
                                     int* exit) {
  if (auto id = inv.args.Value("drill")) return *id;
  DrillList list = ListDrills(inv, command, endpoint, state_dir);
  if (list.exit != kExitOk) {
    *exit = list.exit;
    return std::nullopt;
  }
  if (list.ids.size() > 1) {
    *exit = Fail(inv, command, kExitUsage,
                 fmt::format("{} drills are running ({}); name one with --drill ID",
                             list.ids.size(), fmt::join(list.ids, ", ")));
    return std::nullopt;
  }
  return list.ids.front();
}

constexpr char kAckUsage[] =
    "firedrill ack detected|recovered [--drill ID] [--by NAME] [--note TEXT] [--json] "
    "[--state DIR]";
constexpr char kAbortUsage[] =
    "firedrill abort --reason TEXT [--drill ID | --all] [--by NAME] [--json] [--state DIR]";

int RunAck(const Invocation& inv) {
  const std::string& what = inv.args.positionals().front();
  if (what != "detected" && what != "recovered") {
    return Usage(inv, "ack", kAckUsage,
                 fmt::format("cannot acknowledge \"{}\"; say detected or recovered", what));
  }
  if (auto id = inv.args.Value("drill"); id && !PlausibleDrillId(*id)) {
    return Usage(inv, "ack", kAckUsage, fmt::format("\"{}\" is not a drill id", *id));
  }
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  auto endpoint = FindControlEndpoint(dir);
  if (!endpoint.ok()) return Fail(inv, "ack", kExitStateError, endpoint.error().message);
  int exit = kExitOk;
  auto drill = PickDrill(inv, "ack", *endpoint, dir.string(), &exit);
  if (!drill) return exit;

  std::string by = DefaultActor(inv.args.Value("by"));
  json::object body{{"what", what}, {"by", by}};
  if (auto note = inv.args.Value("note")) body["note"] = *note;
  auto r = SendControl(*endpoint, "POST", "/v1/drills/" + *drill + "/ack", json::serialize(body),
                       kTimeout);
  if (!r.ok()) return Fail(inv, "ack", kExitFailure, r.error().message);
  if (r->status < 200 || r->status > 299) {
    return Fail(inv, "ack", ExitFor(*r), ServerMessage(*r));
  }
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", r->body);
    return kExitOk;
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  fmt::print(inv.out, "recorded: {} by {} at {} (drill {})\n", StringField(v, "what", what),
             StringField(v, "by", by), StringField(v, "recorded_at", "?"),
             StringField(v, "drill", *drill));
  return kExitOk;
}

int RunAbort(const Invocation& inv) {
  std::optional<std::string> reason = inv.args.Value("reason");
  if (!reason || reason->empty()) {
    return Usage(inv, "abort", kAbortUsage, "--reason TEXT is required (it goes into the record)");
  }
  if (inv.args.Has("all") && inv.args.Value("drill")) {
    return Usage(inv, "abort", kAbortUsage, "give --drill ID or --all, not both");
  }
  if (auto id = inv.args.Value("drill"); id && !PlausibleDrillId(*id)) {
    return Usage(inv, "abort", kAbortUsage, fmt::format("\"{}\" is not a drill id", *id));
  }
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  auto endpoint = FindControlEndpoint(dir);
  if (!endpoint.ok()) return Fail(inv, "abort", kExitStateError, endpoint.error().message);

  std::vector<std::string> drills;
  if (inv.args.Has("all")) {
    DrillList list = ListDrills(inv, "abort", *endpoint, dir.string());
    if (list.exit != kExitOk) return list.exit;
    drills = std::move(list.ids);
  } else {
    int exit = kExitOk;
    auto drill = PickDrill(inv, "abort", *endpoint, dir.string(), &exit);
    if (!drill) return exit;
    drills.push_back(*drill);
  }

  std::string body = json::serialize(
      json::object{{"reason", *reason}, {"by", DefaultActor(inv.args.Value("by"))}});
  int exit = kExitOk;
  // With --all, one drill's failure does not stop the others from being aborted.
  for (const std::string& id : drills) {
    auto r = SendControl(*endpoint, "POST", "/v1/drills/" + id + "/abort", body, kTimeout);
    int status = kExitOk;
    if (!r.ok()) {
      status = Fail(inv, "abort", kExitFailure, fmt::format("{}: {}", id, r.error().message));
    } else if (r->status < 200 || r->status > 299) {
      status = Fail(inv, "abort", ExitFor(*r), ServerMessage(*r));
    } else if (inv.args.Has("json")) {
      fmt::print(inv.out, "{}\n", r->body);
    } else {
      fmt::print(inv.out,
                 "abort requested: drill {} (reason: {}); it restores every fault, then its "
                 "`firedrill run` exits 9\n",
                 id, *reason);
    }
    if (exit == kExitOk) exit = status;
  }
  return exit;
}

}  // namespace

Command AckCommand() {
  return Command{
      "ack",
      kAckUsage,
      "acknowledge that the running drill's incident was detected, or is recovered",
      "Records, in the running drill's record, that the on-call team detected the incident\n"
      "(for the time to detect) or considers the service recovered (for the time to recover),\n"
      "with who said so and when. Talks to `firedrill run` through its control endpoint on\n"
      "127.0.0.1 (docs/control-api.md); run it as the same user, with the same --state.\n"
      "\n"
      "Arguments:\n"
      "  detected|recovered  what to acknowledge\n"
      "\n"
      "Options:\n"
      "  --drill ID   the drill; may be left out when exactly one drill is running\n"
      "  --by NAME    who acknowledges (default: $USER, else \"unknown\"): a participant's\n"
      "               name, or the part of their address before '@', in any case (\"alice\"\n"
      "               for alice@example.com); recorded as the participant the drill lists\n"
      "  --note TEXT  a note kept with the acknowledgement\n"
      "  --json       print the endpoint's JSON answer instead of a sentence\n"
      "\n"
      "Examples:\n"
      "  firedrill ack detected\n"
      "  firedrill ack recovered --drill checkout-db-blackhole --by alice \\\n"
      "      --note \"failover to replica, p99 back under 300ms\"\n"
      "\n"
      "Exit status: 0 recorded; 2 wrong use (several drills run and no --drill, or --by could\n"
      "mean several participants: they are named); 4 no drill is running for the state dir;\n"
      "7 no running drill has that id; 1 anything else (the message says what).\n",
      ArgSpec{{"json"}, {"drill", "by", "note"}, 1, 1},
      RunAck};
}

Command AbortCommand() {
  return Command{
      "abort",
      kAbortUsage,
      "abort a running drill: every fault is restored at once",
      "Asks a running drill to abort, as Ctrl-C in its terminal would: it stops, restores\n"
      "every fault it injected (verified by each fault's check), records the reason, and its\n"
      "`firedrill run` exits 9. This command returns as soon as the abort is accepted; the\n"
      "restore goes on in the drill's process. Talks to it through its control endpoint on\n"
      "127.0.0.1 (docs/control-api.md); run it as the same user, with the same --state.\n"
      "\n"
      "Options:\n"
      "  --reason TEXT  why (required; kept in the record)\n"
      "  --drill ID     the drill; may be left out when exactly one drill is running\n"
      "  --all          every running drill\n"
      "  --by NAME      who aborts (default: $USER, else \"unknown\")\n"
      "  --json         print the endpoint's JSON answer (one line per drill)\n"
      "\n"
      "Examples:\n"
      "  firedrill abort --reason \"real incident in progress\"\n"
      "  firedrill abort --drill checkout-db-blackhole --reason \"customer impact\" --by bob\n"
      "  firedrill abort --all --reason \"change freeze\"\n"
      "\n"
      "Exit status: 0 abort accepted; 2 wrong use (no --reason, or several drills run and no\n"
      "--drill or --all); 4 no drill is running for the state dir; 7 no running drill has that\n"
      "id; 1 anything else (the message says what).\n",
      ArgSpec{{"json", "all"}, {"drill", "reason", "by"}, 0, 0},
      RunAbort};
}

}  // namespace firedrill
