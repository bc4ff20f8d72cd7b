#include "orchestrator/cli/blackout_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "drills/timestamp.h"
#include "drills/zoned_time.h"
#include "orchestrator/cli/daemon_cli.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

using namespace daemon_cli;
namespace json = boost::json;

int RunBlackoutAdd(const Invocation& inv) {
  std::optional<std::string> name = inv.args.Value("name");
  std::optional<std::string> start = inv.args.Value("start");
  std::optional<std::string> end = inv.args.Value("end");
  if (!name || name->empty() || !start || !end) {
    fmt::print(inv.err,
               "firedrill blackout add: --name, --start and --end are required, e.g.\n  "
               "firedrill blackout add --name \"release freeze\" --start "
               "2027-12-20T00:00:00+01:00 --end 2028-01-02T00:00:00+01:00\n");
    return kExitUsage;
  }
  auto from = ParseRfc3339(*start);
  auto to = ParseRfc3339(*end);
  if (!from || !to) {
    fmt::print(inv.err, "firedrill blackout add: --{} {}\n", !from ? "start" : "end",
               (!from ? from.error() : to.error()).message);
    return kExitUsage;
  }
  std::string by = Actor(inv.args.Value("by"));
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, "blackout add"); st != kExitOk) return st;
  json::object result;
  if (auto d = ServingDaemon(dir)) {
    auto r = SendControl(*d, "POST", "/v1/blackouts",
                         json::serialize(json::object{
                             {"name", *name}, {"start", *start}, {"end", *end}, {"by", by}}),
                         kTimeout);
    if (!r) {
      fmt::print(inv.err, "firedrill blackout add: {}\n", r.error().message);
      return kExitFailure;
    }
    if (r->status != 200) {
      fmt::print(inv.err, "firedrill blackout add: {}\n", ErrorOf(*r));
      return ExitOf(r->status);
    }
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (!ec && v.is_object()) result = v.as_object();
  } else {
    auto db = Database::Open(dir, OpenMode::kReadWrite);
    if (!db) {
      fmt::print(inv.err, "firedrill blackout add: {}\n", db.error().ToString());
      return kExitStateError;
    }
    Blackout b;
    b.name = *name;
    b.start = *from;
    b.end = *to;
    auto affected = AddBlackout(*db, b, by, NowUtc());
    if (!affected) {
      fmt::print(inv.err, "firedrill blackout add: {}\n", affected.error().message);
      return kExitUsage;
    }
    result = json::object{{"name", *name},
                          {"start", FormatUtc(*from)},
                          {"end", FormatUtc(*to)},
                          {"affected", json::value_from(*affected)}};
  }
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", json::serialize(result));
    return kExitOk;
  }
  fmt::print(inv.out, "blackout \"{}\" declared: {} to {}\n", *name, FormatUtc(*from),
             FormatUtc(*to));
  if (const json::value* a = result.if_contains("affected"); a && a->is_array()) {
    for (const json::value& id : a->as_array()) {
      fmt::print(inv.out,
                 "  drill {} falls in it: it will not run (halted and restored if "
                 "running)\n",
                 std::string(id.as_string()));
    }
  }
  return kExitOk;
}

int RunBlackoutList(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  std::vector<Blackout> list;
  if (db) {
    auto current = BlackoutTable(*db).Current(NowUtc());
    if (!current) {
      fmt::print(inv.err, "firedrill blackout list: {}\n", current.error().message);
      return kExitStateError;
    }
    list = std::move(*current);
  } else if (db.error().code != ErrorCode::kNoRecords) {
    fmt::print(inv.err, "firedrill blackout list: {}\n", db.error().ToString());
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    json::array out;
    for (const Blackout& b : list) {
      out.push_back(
          json::object{{"name", b.name}, {"start", FormatUtc(b.start)}, {"end", FormatUtc(b.end)}});
    }
    fmt::print(inv.out, "{}\n", json::serialize(json::object{{"blackouts", out}}));
    return kExitOk;
  }
  if (list.empty()) fmt::print(inv.out, "no blackouts declared\n");
  for (const Blackout& b : list) {
    fmt::print(inv.out, "{:<28} {} to {}\n", b.name, FormatUtc(b.start), FormatUtc(b.end));
  }
  return kExitOk;
}

}  // namespace

Command BlackoutAddCommand() {
  return Command{
      "blackout add",
      "firedrill blackout add --name NAME --start TIME --end TIME [--by NAME] [--json]",
      "declare a period in which no drill may run (release freeze, holiday)",
      "Declares a blackout for every drill of the state directory. No drill can be scheduled\n"
      "into it; a scheduled window that falls in it is vetoed (recorded, not run); a drill\n"
      "running when it begins is halted: aborted, everything restored. Times are RFC 3339,\n"
      "with an offset: 2027-12-20T00:00:00+01:00. Blackouts for one drill only belong in\n"
      "its file ([[blackouts]]).\n"
      "\n"
      "Options:\n"
      "  --name NAME    what the blackout is for (shown in vetoes and notices)\n"
      "  --start TIME   when it begins, RFC 3339 with an offset\n"
      "  --end TIME     when it ends (after --start)\n"
      "  --by NAME      who declared it (default: the local user)\n"
      "  --json         the blackout as one JSON object\n"
      "\n"
      "Example:\n"
      "  firedrill blackout add --name \"release freeze\" --start 2027-12-20T00:00:00+01:00 \\\n"
      "    --end 2028-01-02T00:00:00+01:00\n"
      "\n"
      "Exit status: 0; 1 if it cannot be recorded; 2 for wrong usage (a bad time, --end not\n"
      "after --start); 4 if the state directory cannot be used.\n",
      ArgSpec{{"json"}, {"name", "start", "end", "by"}, 0, 0},
      RunBlackoutAdd};
}

Command BlackoutListCommand() {
  return Command{"blackout list",
                 "firedrill blackout list [--json]",
                 "the declared blackouts that are not over",
                 "Lists the blackouts declared with `firedrill blackout add` that have not ended.\n"
                 "\n"
                 "Options:\n"
                 "  --json   a JSON array of {name, start, end, by}\n"
                 "\n"
                 "Exit status: 0 (also when there is none); 4 if the records cannot be read.\n",
                 ArgSpec{{"json"}, {}, 0, 0},
                 RunBlackoutList};
}

}  // namespace firedrill
