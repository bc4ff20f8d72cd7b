#include "orchestrator/daemon/scheduling.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "drills/drill_loader.h"
#include "drills/recurrence.h"
#include "drills/zoned_time.h"
#include "orchestrator/announce/icalendar.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/transaction.h"
#include "orchestrator/store/typed_event.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// How far ahead two repeating drills are compared for overlaps.
constexpr std::size_t kOverlapHorizon = 64;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The first overlap of two window lists, if any.
std::optional<WindowSpan> FirstOverlap(const std::vector<WindowSpan>& a,
                                       const std::vector<WindowSpan>& b) {
  for (const WindowSpan& x : a) {
    for (const WindowSpan& y : b) {
      if (x.start < y.end && y.start < x.end)
        return WindowSpan{std::max(x.start, y.start), std::min(x.end, y.end)};
    }
  }
  return std::nullopt;
}

// Renders and writes the invite of `drill` for `sequence`; returns its path, or "" with a warning
// when the drill cannot have one (no organizer address: the schedule stands without it).
Expected<fs::path> WriteInvite(const fs::path& state_dir, const Drill& drill, int sequence,
                               bool cancel, SysTime now, std::vector<std::string>& warnings) {
  Expected<Invite> invite = RenderInvite(drill, InviteOptions{now, sequence, cancel});
  if (!invite) {
    warnings.push_back(fmt::format("no calendar invite: {}", invite.error().message));
    return fs::path();
  }
  for (const std::string& who : invite->not_invited) {
    warnings.push_back(fmt::format("\"{}\" has no e-mail address and is not in the invite", who));
  }
  fs::path dir = state_dir / "invites";
  if (Status st = EnsureStateDir(dir); !st) return st.error();
  fs::path path = dir / fmt::format("{}.{}.ics", drill.id, sequence);
  if (Status st = WriteFileAtomically(path.string(), invite->text); !st) return st.error();
  return path;
}

template <EventPayloadStruct P>
Status Append(Database& db, const std::string& drill_id, EventKind kind, const std::string& actor,
              const P& payload) {
  auto e = AppendTyped(db, drill_id, kind, actor, payload);
  if (!e) return e.error();
  return Status::Ok();
}

}  // namespace

json::object ScheduleJson(const ScheduleRecord& r) {
  json::object o{{"id", r.drill_id},
                 {"file", r.drill_file},
                 {"state", ScheduleStateName(r.state)},
                 {"sequence", r.sequence},
                 {"announced", FormatUtc(r.announced)},
                 {"window_start", FormatUtc(r.next_start)},
                 {"window_end", FormatUtc(r.next_end)},
                 {"targets", json::value_from(r.targets)}};
  if (!r.lead_override.empty()) o["lead_override"] = r.lead_override;
  return o;
}

json::object ScheduleOutcomeJson(const ScheduleOutcome& out) {
  json::object o = ScheduleJson(out.record);
  o["rescheduled"] = out.rescheduled;
  o["invite"] = out.invite.string();
  o["warnings"] = json::value_from(out.warnings);
  return o;
}

std::vector<std::string> TargetKeys(const Drill& drill) {
  std::vector<std::string> keys;
  for (const FaultSpec& f : drill.faults) {
    auto t = drill.targets.find(f.target);
    if (t == drill.targets.end()) continue;
    std::string key = t->second.is_local() ? std::string("local")
                                           : Lower(std::get<SshTarget>(t->second.where).host);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<WindowSpan> UpcomingWindows(const Drill& drill, SysTime from, std::size_t max) {
  std::vector<WindowSpan> out;
  if (max == 0) return out;
  if (!drill.window.repeat) {
    if (drill.window.end > from) out.push_back({drill.window.start, drill.window.end});
    return out;
  }
  auto windows = Occurrences(drill.window, *drill.window.repeat, from, max);
  if (!windows) return out;  // the loader has checked the rule: cannot happen for a loaded drill
  for (const Window& w : *windows) out.push_back({w.start, w.end});
  return out;
}

Expected<ScheduleOutcome> ScheduleDrill(Database& db, const fs::path& state_dir,
                                        const ScheduleRequest& req) {
  LoadResult loaded = LoadDrillText(req.source, req.file, DrillFaultCatalog());
  if (!loaded.ok()) {
    std::string problems;
    for (const Error& e : loaded.diagnostics) problems += "\n  " + e.ToString();
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("{}: not scheduled: the drill file has problems (firedrill validate "
                             "{}):{}",
                             req.file, req.file, problems)};
  }
  const Drill& drill = *loaded.drill;
  std::vector<WindowSpan> windows = UpcomingWindows(drill, req.now, kOverlapHorizon);
  if (windows.empty()) {
    return Error{fmt::format("{}: not scheduled: its window ended at {}; move the window", req.file,
                             FormatInZone(drill.window.end, drill.window.zone))};
  }
  auto blackouts = BlackoutTable(db).Current(req.now);
  if (!blackouts) return blackouts.error();
  for (const Blackout& b : *blackouts) {
    if (b.start < windows.front().end && windows.front().start < b.end) {
      return Error{fmt::format(
          "{}: not scheduled: its window ({} to {}) overlaps blackout \"{}\" "
          "({} to {}); move the window",
          req.file, FormatInZone(windows.front().start, drill.window.zone),
          FormatInZone(windows.front().end, drill.window.zone), b.name,
          FormatInZone(b.start, drill.window.zone), FormatInZone(b.end, drill.window.zone))};
    }
  }
  ScheduleTable schedules(db);
  auto previous = schedules.Get(drill.id);
  if (!previous) return previous.error();
  if (*previous && (*previous)->state == ScheduleState::kRunning) {
    return Error{
        fmt::format("drill {} is running now; abort it or wait for it to end before "
                    "rescheduling it",
                    drill.id)};
  }
  // Two drills breaking the same machine at the same time would confound both.
  std::vector<std::string> keys = TargetKeys(drill);
  auto others = schedules.MayOverlap(windows.front().start, windows.back().end, drill.id);
  if (!others) return others.error();
  for (const ScheduleRecord& other : *others) {
    std::vector<std::string> shared;
    std::set_intersection(keys.begin(), keys.end(), other.targets.begin(), other.targets.end(),
                          std::back_inserter(shared));
    if (shared.empty()) continue;
    std::vector<WindowSpan> theirs{{other.next_start, other.next_end}};
    if (other.drill_source.find("repeat") != std::string::npos) {
      LoadResult o = LoadDrillText(other.drill_source, other.drill_file, DrillFaultCatalog());
      if (o.ok()) theirs = UpcomingWindows(*o.drill, req.now, kOverlapHorizon);
    }
    if (auto overlap = FirstOverlap(windows, theirs)) {
      return Error{fmt::format(
          "{}: not scheduled: drill {} also breaks {} from {} to {} ({}); two drills on the same "
          "target must not overlap: move one of the windows",
          req.file, other.drill_id, fmt::join(shared, ", "),
          FormatInZone(overlap->start, drill.window.zone),
          FormatInZone(overlap->end, drill.window.zone), other.drill_file)};
    }
  }

  ScheduleOutcome out;
  out.rescheduled = previous->has_value();
  int sequence = out.rescheduled ? (*previous)->sequence + 1 : 0;
  auto ahead = std::chrono::duration_cast<Duration>(windows.front().start - req.now);
  if (ahead < drill.announce.lead) {
    out.warnings.push_back(fmt::format(
        "announced only {} before the window, less than announce.lead ({}): {}",
        FormatDuration(std::max(ahead, Duration(0))), FormatDuration(drill.announce.lead),
        req.lead_override.empty()
            ? "the drill will be refused at injection (reschedule it later, or schedule it with "
              "an override reason for a practice drill)"
            : "it will inject anyway, by the recorded override: " + req.lead_override));
  }
  Expected<fs::path> invite = WriteInvite(state_dir, drill, sequence, false, req.now, out.warnings);
  if (!invite) return invite.error();
  out.invite = *invite;

  ScheduleRecord& r = out.record;
  r.drill_id = drill.id;
  r.drill_file = req.file;
  r.drill_source = req.source;
  r.state = ScheduleState::kScheduled;
  r.sequence = sequence;
  r.announced = req.now;
  r.next_start = windows.front().start;
  r.next_end = windows.front().end;
  r.targets = keys;
  r.lead_override = req.lead_override;

  auto source_digest = Sha256Hex(req.source);  // empty only when OpenSSL cannot hash
  const std::string source_sha = source_digest.ok() ? *source_digest : "";
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  DrillRecord record{drill.id,   drill.title,  drill.service, drill.owner,       req.file,
                     source_sha, r.next_start, r.next_end,    drill.window.zone, {}};
  if (Status st = DrillTable(db).UpsertDrill(record); !st) return st.error();
  if (Status st = schedules.Put(r); !st) return st.error();
  Scheduled payload{.file = req.file,
                    .sha256 = record.source_sha256,
                    .sequence = sequence,
                    .window_start = r.next_start,
                    .window_end = r.next_end,
                    .targets = keys,
                    .invite = out.invite.empty() ? "" : out.invite.filename().string(),
                    .lead_override = req.lead_override};
  if (Status st =
          Append(db, drill.id, out.rescheduled ? EventKind::kRescheduled : EventKind::kScheduled,
                 req.by, payload);
      !st) {
    return st.error();
  }
  if (Status st = tx->Commit(); !st) return st.error();
  return out;
}

Expected<ScheduleOutcome> CancelSchedule(Database& db, const fs::path& state_dir,
                                         const std::string& drill_id, const std::string& reason,
                                         const std::string& by, SysTime now) {
  if (reason.empty()) return Error{"a cancellation needs a reason (--reason TEXT)"};
  ScheduleTable schedules(db);
  auto found = schedules.Get(drill_id);
  if (!found) return found.error();
  if (!*found)
    return Error{ErrorCode::kNotFound, fmt::format("no scheduled drill \"{}\"", drill_id)};
  ScheduleOutcome out;
  out.record = **found;
  ScheduleRecord& r = out.record;
  if (r.state == ScheduleState::kRunning) {
    return Error{
        fmt::format("drill {} is running; abort it instead (firedrill abort --drill {} "
                    "--reason ...)",
                    drill_id, drill_id)};
  }
  if (r.state != ScheduleState::kScheduled) {
    return Error{fmt::format("drill {} is {}, not scheduled; nothing to cancel", drill_id,
                             ScheduleStateName(r.state))};
  }
  LoadResult loaded = LoadDrillText(r.drill_source, r.drill_file, DrillFaultCatalog());
  r.sequence += 1;
  if (loaded.ok()) {
    Expected<fs::path> invite =
        WriteInvite(state_dir, *loaded.drill, r.sequence, true, now, out.warnings);
    if (!invite) return invite.error();
    out.invite = *invite;
  } else {
    out.warnings.push_back("no cancellation invite: the scheduled drill text no longer loads");
  }
  r.state = ScheduleState::kCancelled;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  if (Status st = schedules.Put(r); !st) return st.error();
  if (Status st =
          Append(db, drill_id, EventKind::kCancelled, by,
                 Cancelled{.reason = reason,
                           .sequence = r.sequence,
                           .invite = out.invite.empty() ? "" : out.invite.filename().string()});
      !st) {
    return st.error();
  }
  if (Status st = tx->Commit(); !st) return st.error();
  return out;
}

Expected<std::vector<std::string>> AddBlackout(Database& db, const Blackout& b,
                                               const std::string& by, SysTime now) {
  if (b.name.empty()) return Error{"a blackout needs a name"};
  if (b.end <= b.start) return Error{"a blackout must end after it starts"};
  if (b.end <= now) return Error{fmt::format("blackout \"{}\" is over already", b.name)};
  auto affected = ScheduleTable(db).MayOverlap(b.start, b.end, "");
  if (!affected) return affected.error();
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  if (Status st = BlackoutTable(db).Add(b, by); !st) return st.error();
  if (Status st = Append(db, "", EventKind::kBlackoutAdded, by,
                         BlackoutAdded{.name = b.name, .start = b.start, .end = b.end});
      !st) {
    return st.error();
  }
  if (Status st = tx->Commit(); !st) return st.error();
  std::vector<std::string> names;
  for (const ScheduleRecord& r : *affected) {
    if (r.next_start < b.end && b.start < r.next_end) names.push_back(r.drill_id);
  }
  return names;
}

Status RecordBriefing(Database& db, const std::string& drill_id, const std::string& by,
                      const std::string& note) {
  if (by.empty()) return Error{"a briefing needs the name of who gave it (--by NAME)"};
  auto found = ScheduleTable(db).Get(drill_id);
  if (!found) return found.error();
  if (!*found)
    return Error{ErrorCode::kNotFound, fmt::format("no scheduled drill \"{}\"", drill_id)};
  return Append(db, drill_id, EventKind::kBriefed, by, Briefed{.note = note});
}

json::object ListingJson(const ScheduleListing& l) {
  return json::object{{"id", l.drill_id},
                      {"title", l.title},
                      {"service", l.service},
                      {"state", ScheduleStateName(l.state)},
                      {"window_start", FormatUtc(l.next_start)},
                      {"window_end", FormatUtc(l.next_end)},
                      {"zone", l.zone}};
}

void AppendListingJson(std::string& out, const ScheduleListing& l) {
  out += "{\"id\":";
  AppendJsonString(out, l.drill_id);
  out += ",\"title\":";
  AppendJsonString(out, l.title);
  out += ",\"service\":";
  AppendJsonString(out, l.service);
  out += ",\"state\":";
  AppendJsonString(out, ScheduleStateName(l.state));
  out += ",\"window_start\":";
  AppendJsonString(out, FormatUtc(l.next_start));
  out += ",\"window_end\":";
  AppendJsonString(out, FormatUtc(l.next_end));
  out += ",\"zone\":";
  AppendJsonString(out, l.zone);
  out += '}';
}

}  // namespace firedrill
