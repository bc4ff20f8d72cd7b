#include "orchestrator/cli/freeze_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "orchestrator/cli/daemon_cli.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

using namespace daemon_cli;
namespace json = boost::json;

constexpr char kFreezeUsage[] = "firedrill freeze --reason TEXT [--by NAME] [--json] [--state DIR]";
constexpr char kUnfreezeUsage[] =
    "firedrill unfreeze [--reason TEXT] [--by NAME] [--json] [--state DIR]";

// Sends the freeze or unfreeze to the daemon; the daemon's JSON answer in `answer`.
int Send(const Invocation& inv, const char* command, const std::string& path,
         const json::object& body, json::object& answer) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, command); st != kExitOk) return st;
  auto d = ServingDaemon(dir);
  if (!d) {
    fmt::print(inv.err,
               "firedrill {}: no daemon serves {} (firedrill serve): a freeze is kept and "
               "enforced by the daemon\n",
               command, dir.string());
    return kExitStateError;
  }
  auto r = SendControl(*d, "POST", path, json::serialize(body), kTimeout);
  if (!r) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, r.error().message);
    return kExitFailure;
  }
  if (r->status != 200) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, ErrorOf(*r));
    return r->status == 409 ? kExitStateError : ExitOf(r->status);
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (!ec && v.is_object()) answer = v.as_object();
  if (inv.args.Has("json")) fmt::print(inv.out, "{}\n", r->body);
  return kExitOk;
}

int RunFreeze(const Invocation& inv) {
  std::optional<std::string> reason = inv.args.Value("reason");
  if (!reason || reason->empty()) {
    fmt::print(inv.err,
               "firedrill freeze: --reason TEXT is required (it is recorded and announced)\n"
               "Usage: {}\n(see firedrill freeze --help)\n",
               kFreezeUsage);
    return kExitUsage;
  }
  json::object answer;
  int st = Send(inv, "freeze", "/v1/freeze",
                json::object{{"reason", *reason}, {"by", Actor(inv.args.Value("by"))}}, answer);
  if (st != kExitOk || inv.args.Has("json")) return st;
  fmt::print(inv.out,
             "{}\nevery running drill is aborted and restores everything; no drill injects until "
             "firedrill unfreeze\n",
             StringField(answer, "text"));
  return kExitOk;
}

int RunUnfreeze(const Invocation& inv) {
  std::string reason = inv.args.Value("reason").value_or("");
  json::object answer;
  int st = Send(inv, "unfreeze", "/v1/unfreeze",
                json::object{{"reason", reason}, {"by", Actor(inv.args.Value("by"))}}, answer);
  if (st != kExitOk || inv.args.Has("json")) return st;
  fmt::print(inv.out, "freeze {} ended by {}; drills may inject again (it was: {})\n",
             answer.if_contains("id") ? json::serialize(answer.at("id")) : "?",
             StringField(answer, "ended_by"), StringField(answer, "text"));
  return kExitOk;
}

}  // namespace

Command FreezeCommand() {
  return Command{
      "freeze",
      kFreezeUsage,
      "stand every drill down now: abort and restore them, veto injections until unfreeze",
      "For \"stop everything now\" (an incident the rule did not catch, a risky change, a\n"
      "customer escalation). The daemon aborts every running drill, each restoring every\n"
      "fault it put in place (verified by the fault's check), and refuses every injection\n"
      "until `firedrill unfreeze`: drills whose window opens meanwhile are refused at\n"
      "preflight, with the freeze as the reason. The freeze is recorded in the hash chain\n"
      "(freeze-started), shown by `firedrill status` and /metrics (firedrill_frozen), announced\n"
      "on every chat and webhook target, and survives a restart of the daemon.\n"
      "\n"
      "The daemon also freezes by itself when an alert matches its real-incident rule and no\n"
      "drill in play (firedrill serve --incident-match); see docs/freezes.md.\n"
      "\n"
      "Needs the lead role (with FIREDRILL_API, a lead's FIREDRILL_TOKEN).\n"
      "\n"
      "Options:\n"
      "  --reason TEXT  why (required; recorded and announced)\n"
      "  --by NAME      who freezes (default: $USER, else \"unknown\")\n"
      "  --json         print the daemon's JSON answer (the freeze)\n"
      "\n"
      "Examples:\n"
      "  firedrill freeze --reason \"payments incident INC-4711, all hands\"\n"
      "  FIREDRILL_API=https://drills.example.com:8470 FIREDRILL_TOKEN=fdt_... \\\n"
      "      firedrill freeze --reason \"database migration tonight\" --by ann\n"
      "\n"
      "Exit status: 0 frozen; 2 wrong use (no --reason); 4 no daemon serves the state\n"
      "directory, or a freeze already holds; 1 anything else, a missing role included (the\n"
      "message says what).\n",
      ArgSpec{{"json"}, {"reason", "by"}, 0, 0},
      RunFreeze};
}

Command UnfreezeCommand() {
  return Command{
      "unfreeze",
      kUnfreezeUsage,
      "end the freeze: drills may inject again",
      "Ends the freeze that holds, whether a lead started it (firedrill freeze) or a real\n"
      "incident did (then it would also end by itself once the incident's alerts resolved and\n"
      "the cool-down passed). Drills aborted by the freeze are not resumed; their next windows\n"
      "run as scheduled. Recorded in the hash chain (freeze-ended, with who and why) and\n"
      "announced. Needs the lead role.\n"
      "\n"
      "Options:\n"
      "  --reason TEXT  why now (recorded; default \"lifted by hand\")\n"
      "  --by NAME      who unfreezes (default: $USER, else \"unknown\")\n"
      "  --json         print the daemon's JSON answer (the freeze that ended)\n"
      "\n"
      "Example:\n"
      "  firedrill unfreeze --reason \"INC-4711 closed, postmortem scheduled\"\n"
      "\n"
      "Exit status: 0 the freeze ended; 4 no daemon serves the state directory, or no freeze\n"
      "holds; 1 anything else, a missing role included.\n",
      ArgSpec{{"json"}, {"reason", "by"}, 0, 0},
      RunUnfreeze};
}

}  // namespace firedrill
