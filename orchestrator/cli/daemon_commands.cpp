#include "orchestrator/cli/daemon_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string_view>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/cli/daemon_cli.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

using namespace daemon_cli;

namespace fs = std::filesystem;

namespace json = boost::json;

constexpr Duration kTimeout = std::chrono::seconds(30);

int RunSchedule(const Invocation& inv) {
  const std::string& file = inv.args.positionals().front();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(inv.err, "firedrill schedule: cannot read {}\n", file);
    return kExitInvalidDrill;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string by = Actor(inv.args.Value("by"));
  std::string override_reason = inv.args.Value("override-lead").value_or("");
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, "schedule"); st != kExitOk) return st;
  if (auto d = ServingDaemon(dir)) {
    return ViaDaemon(
        inv, "schedule", *d, "POST", "/v1/drills",
        json::object{
            {"file", file}, {"source", text.str()}, {"by", by}, {"lead_override", override_reason}},
        "scheduled");
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill schedule: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto done =
      ScheduleDrill(*db, dir, ScheduleRequest{file, text.str(), by, override_reason, NowUtc()});
  if (!done) {
    fmt::print(inv.err, "firedrill schedule: {}\n", done.error().message);
    return done.error().code == ErrorCode::kInvalidInput ? kExitInvalidDrill : kExitFailure;
  }
  PrintOutcome(inv, done->rescheduled ? "rescheduled" : "scheduled", ScheduleOutcomeJson(*done));
  if (!inv.args.Has("json")) {
    fmt::print(inv.out, "  no daemon serves {} now: start `firedrill serve` to run it\n",
               dir.string());
  }
  return kExitOk;
}

int RunCancel(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  std::optional<std::string> reason = inv.args.Value("reason");
  if (!reason || reason->empty()) {
    fmt::print(inv.err,
               "firedrill cancel: --reason TEXT is required (it goes to everyone invited)\n");
    return kExitUsage;
  }
  std::string by = Actor(inv.args.Value("by"));
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, "cancel"); st != kExitOk) return st;
  if (auto d = ServingDaemon(dir)) {
    return ViaDaemon(inv, "cancel", *d, "POST", "/v1/drills/" + id + "/cancel",
                     json::object{{"reason", *reason}, {"by", by}}, "cancelled");
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill cancel: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto known = ScheduleTable(*db).Get(id);
  if (known && !*known) {
    fmt::print(inv.err, "firedrill cancel: no scheduled drill \"{}\"\n", id);
    return kExitNotFound;
  }
  auto done = CancelSchedule(*db, dir, id, *reason, by, NowUtc());
  if (!done) {
    fmt::print(inv.err, "firedrill cancel: {}\n", done.error().message);
    return kExitFailure;
  }
  PrintOutcome(inv, "cancelled", ScheduleOutcomeJson(*done));
  return kExitOk;
}

int RunBrief(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  std::optional<std::string> by = inv.args.Value("by");
  if (!by || by->empty()) {
    fmt::print(inv.err, "firedrill brief: --by NAME is required: who briefed the team\n");
    return kExitUsage;
  }
  std::string note = inv.args.Value("note").value_or("");
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, "brief"); st != kExitOk) return st;
  if (auto d = ServingDaemon(dir)) {
    auto r = SendControl(*d, "POST", "/v1/drills/" + id + "/brief",
                         json::serialize(json::object{{"by", *by}, {"note", note}}), kTimeout);
    if (!r) {
      fmt::print(inv.err, "firedrill brief: {}\n", r.error().message);
      return kExitFailure;
    }
    if (r->status != 200) {
      fmt::print(inv.err, "firedrill brief: {}\n", ErrorOf(*r));
      return ExitOf(r->status);
    }
  } else {
    auto db = Database::Open(dir, OpenMode::kReadWrite);
    if (!db) {
      fmt::print(inv.err, "firedrill brief: {}\n", db.error().ToString());
      return kExitStateError;
    }
    if (Status st = RecordBriefing(*db, id, *by, note); !st) {
      fmt::print(inv.err, "firedrill brief: {}\n", st.error().message);
      return st.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure;
    }
  }
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", json::serialize(json::object{{"drill", id}, {"briefed_by", *by}}));
  } else {
    fmt::print(inv.out, "briefing of {} by {} recorded\n", id, *by);
  }
  return kExitOk;
}

}  // namespace

Command ScheduleCommand() {
  return Command{
      "schedule",
      "firedrill schedule [--by NAME] [--override-lead REASON] [--json] FILE",
      "schedule a drill: record it, write its calendar invite, let the daemon run it",
      "Checks the drill file, refuses a window that is over or that overlaps another scheduled\n"
      "drill on the same target, records the announcement (now) and writes the calendar\n"
      "invite to the state directory's invites/ folder (ID.SEQUENCE.ics). Scheduling a drill id\n"
      "again reschedules it: the invite's SEQUENCE goes up, so calendars move the event.\n"
      "A drill announced later than its announce.lead before the window is refused at\n"
      "injection, unless scheduled with --override-lead REASON (recorded; for practice drills).\n"
      "\n"
      "Options:\n"
      "  --by NAME              who schedules it (default: $USER)\n"
      "  --override-lead REASON inject even though the announcement came late (recorded)\n"
      "  --json                 the schedule as JSON\n"
      "\n"
      "Example:\n"
      "  firedrill schedule drills/examples/db-port-blackhole.toml\n"
      "\n"
      "Exit status: 0 scheduled; 3 the drill file has problems; 1 refused (window over,\n"
      "overlap, drill running); 4 the state directory cannot be used.\n",
      ArgSpec{{"json"}, {"by", "override-lead"}, 1, 1},
      RunSchedule};
}

Command CancelCommand() {
  return Command{
      "cancel",
      "firedrill cancel --reason TEXT [--by NAME] [--json] ID",
      "call off a scheduled drill (writes the calendar cancellation)",
      "Marks the scheduled drill cancelled, records why and by whom, and writes the calendar\n"
      "cancellation (METHOD:CANCEL, next SEQUENCE) to the invites/ folder. A running drill is\n"
      "aborted instead (firedrill abort).\n"
      "\n"
      "Options:\n"
      "  --reason TEXT   why (required; recorded and in the cancellation)\n"
      "  --by NAME       who calls it off (default: the local user)\n"
      "  --json          the result as one JSON object\n"
      "\n"
      "Exit status: 0; 1 if it cannot be cancelled (it runs, or the daemon refused); 2 for\n"
      "wrong usage; 4 if the state directory cannot be used; 7 if no drill ID is scheduled.\n",
      ArgSpec{{"json"}, {"reason", "by"}, 1, 1},
      RunCancel};
}

Command BriefCommand() {
  return Command{
      "brief",
      "firedrill brief --by NAME [--note TEXT] [--json] ID",
      "record that the team was briefed on the drill's playbook",
      "Records who briefed the team on the playbook of scheduled drill ID, and when. A drill\n"
      "with briefing_required = true is refused at injection without a briefing recorded\n"
      "after its (latest) announcement.\n"
      "\n"
      "Options:\n"
      "  --by NAME     who briefed the team (required)\n"
      "  --note TEXT   what was covered\n"
      "  --json        the briefing as one JSON object\n"
      "\n"
      "Exit status: 0; 1 if it cannot be recorded; 2 for wrong usage; 4 if the state\n"
      "directory cannot be used.\n",
      ArgSpec{{"json"}, {"by", "note"}, 1, 1},
      RunBrief};
}

}  // namespace firedrill
