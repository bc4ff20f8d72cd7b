#include "orchestrator/cli/run_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <ostream>
#include <sstream>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "faults/run_on.h"
#include "orchestrator/cli/terminal.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/engine/drill_run.h"
#include "orchestrator/engine/interrupted_runs.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/state_dir.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace json = boost::json;

int RunRun(const Invocation& inv) {
  const std::string& file = inv.args.positionals().front();
  LoadResult r = LoadDrillFile(file, DrillFaultCatalog());
  if (!r.ok()) {
    for (const Error& e : r.diagnostics) fmt::print(inv.err, "{}\n", e.ToString());
    fmt::print(inv.err, "{}: not run: fix the problems above\n", file);
    return kExitInvalidDrill;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  bool json = inv.args.Has("json");
  RunOptions options;
  options.state_dir = ResolveStateDir(inv.args.Value("state"));
  options.drill_file = file;
  options.drill_source = text.str();
  options.json = json;
  options.live_view = !json && StdoutIsTerminal();
  options.colour = options.live_view && ColourWanted();
  return RunDrill(*r.drill, options, inv.out, inv.err);
}

int RunRecover(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.out, "nothing to recover: {} holds no records\n", dir.string());
    return kExitOk;
  }
  if (auto other = FindControlEndpoint(dir); other.ok() && other->pid != 0) {
    fmt::print(inv.err,
               "firedrill recover: firedrill process {} is running drills on {}; their faults "
               "are in place on purpose and it restores them itself (stop it first: SIGTERM "
               "restores everything)\n",
               other->pid, dir.string());
    return kExitStateError;
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db.ok()) {
    fmt::print(inv.err, "firedrill recover: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto tried = RunBlocking(RestoreOutstanding(*db, "recover"));
  if (!tried.ok()) {
    fmt::print(inv.err, "firedrill recover: {}\n", tried.error().ToString());
    return kExitStateError;
  }
  auto closed = CloseInterruptedRuns(*db, *tried, "recover");
  if (!closed.ok()) {
    fmt::print(inv.err, "firedrill recover: interrupted runs cannot be closed: {}\n",
               closed.error().message);
  }
  const std::vector<ClosedRun> runs = closed.ok() ? *closed : std::vector<ClosedRun>{};
  const auto remaining = NotRestored(*tried);
  if (inv.args.Has("json")) {
    json::array faults;
    for (const LeftoverRestore& t : *tried) {
      faults.push_back(json::object{{"fault", t.entry.fault_id},
                                    {"kind", t.entry.kind},
                                    {"target", t.entry.target},
                                    {"drill", t.entry.drill_id},
                                    {"run", t.entry.run_id},
                                    {"restored", t.result.restored},
                                    {"verified", t.result.verified},
                                    {"message", t.result.message},
                                    {"undo", t.result.restored ? "" : t.result.manual}});
    }
    json::array closed_runs;
    for (const ClosedRun& c : runs) {
      closed_runs.push_back(json::object{{"run", c.run_id},
                                         {"drill", c.drill_id},
                                         {"restored", c.restored},
                                         {"verified", c.verified},
                                         {"not_restored", c.not_restored}});
    }
    std::size_t verified = 0;
    for (const LeftoverRestore& t : *tried) verified += t.result.verified ? 1 : 0;
    const json::object summary{{"tried", tried->size()},
                               {"restored", tried->size() - remaining.size()},
                               {"verified", verified},
                               {"left_in_place", remaining.size()},
                               {"closed_runs", runs.size()}};
    fmt::print(inv.out, "{}\n",
               json::serialize(json::object{{"faults", faults},
                                            {"closed_runs", closed_runs},
                                            {"left_in_place", remaining.size()},
                                            {"summary", summary}}));
    return remaining.empty() ? kExitOk : kExitRestoreIncomplete;
  }
  fmt::print(inv.out, "{}", LeftoversText(*tried, runs));
  if (remaining.empty()) {
    fmt::print(inv.out, "recovered: {}\n",
               tried->empty()
                   ? "nothing was left in place"
                   : fmt::format("{} fault(s) restored; none is left in place", tried->size()));
    return kExitOk;
  }
  fmt::print(inv.err, "RESTORE INCOMPLETE: manual action needed for {} fault(s) (above)\n",
             remaining.size());
  return kExitRestoreIncomplete;
}

}  // namespace

Command RunCommand() {
  return Command{
      "run",
      "firedrill run [--json] [--state DIR] FILE",
      "run one drill in the foreground, from its window to the restore",
      "Waits for the drill's window, checks that it is safe to start (targets reachable, probes\n"
      "green, fault preconditions hold), injects each fault after writing it to the ledger,\n"
      "watches the probes (recovery = every probe green again after having been red), and\n"
      "restores every fault at the restore point, verified by each fault's check. SIGINT or\n"
      "SIGTERM (Ctrl-C) aborts and restores at once; a second signal does not interrupt a\n"
      "restore. Before anything else, faults left in place by an earlier run that crashed are\n"
      "restored. Every step is recorded (firedrill records show ID).\n"
      "\n"
      "On a terminal, a status block below the run's lines is redrawn in place: the phase and\n"
      "time since T0, each fault and where, each probe red or green with its last reason, TTD\n"
      "and TTR counting against the objectives, acks and alerts, and the restore point (the\n"
      "faults stay in place until then, recovered or not). Coloured unless NO_COLOR is set.\n"
      "Not on a terminal, one plain line per event.\n"
      "\n"
      "Options:\n"
      "  --json   one JSON object per line for each event, for scripts\n"
      "\n"
      "Exit status: 0 completed; 3 invalid file; 6 restore incomplete (what remains is listed);\n"
      "8 refused before injecting; 9 aborted, everything restored.\n",
      ArgSpec{{"json"}, {}, 1, 1},
      RunRun};
}

Command RecoverCommand() {
  return Command{
      "recover",
      "firedrill recover [--json] [--state DIR]",
      "restore every fault an interrupted run may have left in place",
      "Reads the fault ledger and restores, newest first, every fault not marked restored (for\n"
      "example after the machine running a drill crashed or firedrill was killed with\n"
      "SIGKILL). Each restore is verified by the fault's check before it is marked restored.\n"
      "\n"
      "Each fault is named as it is restored, with where and whether its check verified it;\n"
      "each run whose process died is then closed in the records as interrupted (what was\n"
      "restored, by recover, verified or not). SIGINT and SIGTERM do not interrupt it: it\n"
      "finishes restoring first.\n"
      "\n"
      "Options:\n"
      "  --json   one JSON object: \"faults\" (one object per fault tried: where, restored,\n"
      "           verified, how to undo it by hand), \"closed_runs\" and a \"summary\" (counts)\n"
      "\n"
      "Exit status: 0 nothing left in place; 6 something could not be restored (listed, with\n"
      "how to undo it by hand); 4 the records cannot be used.\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunRecover};
}

}  // namespace firedrill
