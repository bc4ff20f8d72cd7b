#include "orchestrator/cli/records_common.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "drills/timestamp.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

// Parses --from/--to: YYYY-MM-DD (a whole UTC day) or any ISO-8601 date-time ReadTimestamp reads
// (YYYY-MM-DDTHH:MM[:SS[.fff|,fff]] with Z, an offset +01:00 or +0100, or none, meaning UTC).
// Returns the first instant the value names and, for a day, the first instant after it (for a
// time: the next millisecond), so `--to` can include it.
Expected<std::pair<SysTime, SysTime>> ParseTimeArg(std::string_view option, std::string_view text) {
  auto written = ReadTimestamp(text, fmt::format("--{}", option));
  if (!written) {
    return Error{
        fmt::format("{}; write a date (2026-03-31) or an ISO-8601 time "
                    "(2026-03-31T14:00:00Z, 2026-03-31T16:00+02:00)",
                    written.error().message)};
  }
  SysTime at = written->at;
  SysTime after =
      written->date_only ? at + std::chrono::days(1) : at + std::chrono::milliseconds(1);
  return std::pair(at, after);
}

}  // namespace

std::optional<Database> OpenRecords(const Invocation& inv, int& exit, bool missing_is_empty) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    if (missing_is_empty) {
      fmt::print(inv.err, "no records yet: {} holds no {}\n", dir.string(), Database::kFileName);
      exit = kExitOk;
    } else {
      fmt::print(inv.err,
                 "firedrill: no records at {} (no {}); check --state or "
                 "FIREDRILL_STATE\n",
                 dir.string(), Database::kFileName);
      exit = kExitStateError;
    }
    return std::nullopt;
  }
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    exit = kExitStateError;
    return std::nullopt;
  }
  return std::move(*db);
}

// --from is inclusive, --to includes the whole day (or the very time) it names. Prints and
// returns nullopt on a bad value; `exit` is then kExitUsage.
std::optional<Period> ReadPeriod(const Invocation& inv) {
  Period period;
  for (const char* option : {"from", "to"}) {
    auto value = inv.args.Value(option);
    if (!value) continue;
    auto parsed = ParseTimeArg(option, *value);
    if (!parsed) {
      fmt::print(inv.err, "firedrill: {}\n", parsed.error().message);
      return std::nullopt;
    }
    if (std::string_view(option) == "from") {
      period.from = parsed->first;
    } else {
      period.until = parsed->second;
    }
  }
  if (period.from && period.until && *period.from >= *period.until) {
    fmt::print(inv.err, "firedrill: --from {} is after --to {}: the period is empty\n",
               *inv.args.Value("from"), *inv.args.Value("to"));
    return std::nullopt;
  }
  return period;
}

boost::json::object CheckpointSummaryJson(const Checkpoint& cp) {
  return boost::json::object{{"id", cp.id},
                             {"seq", cp.seq},
                             {"ts", FormatUtc(cp.ts)},
                             {"head_hash", Hex(cp.head_hash)},
                             {"key_id", cp.key_id},
                             {"version", cp.version}};
}

std::optional<LoadedRun> LoadRun(const Invocation& inv, const char* command, const std::string& id,
                                 const std::optional<std::string>& run, int& exit) {
  std::optional<Database> db = OpenRecords(inv, exit, false);
  if (!db) return std::nullopt;
  auto events = LoadRunEvents(*db, id, run);
  if (!events.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", events.error().ToString());
    exit = kExitStateError;
    return std::nullopt;
  }
  if (events->empty()) {
    if (run) {
      fmt::print(inv.err,
                 "firedrill {}: drill \"{}\" has no run \"{}\" in the records (see firedrill "
                 "records show {})\n",
                 command, id, *run, id);
    } else {
      fmt::print(inv.err,
                 "firedrill {}: no drill or run \"{}\" in the records (see firedrill records "
                 "list)\n",
                 command, id);
    }
    exit = kExitNotFound;
    return std::nullopt;
  }
  return LoadedRun{std::move(*db), std::move(*events)};
}

}  // namespace firedrill
