// `firedrill list` and `firedrill status`: the schedules and what runs, and their formatting.
#include "orchestrator/cli/listing_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/cli/daemon_cli.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/freeze_table.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

using namespace daemon_cli;

namespace json = boost::json;

// The schedules: from the daemon when one serves (JSON objects, with live phases), else read
// from the state directly (as JSON objects, or as the listing itself when `as_listing`).
struct Schedules {
  /// Holds the daemon's parsed answer; `schedules` and `running` use it.
  json::storage_ptr storage = json::make_shared_resource<json::monotonic_resource>();
  json::array schedules = json::array(storage);
  json::array running = json::array(storage);
  /// Read from the state directly when `as_listing` was asked (then `schedules` is empty).
  std::optional<std::vector<ScheduleListing>> listing;
  /// The state directory's drills are run by a foreground `firedrill run` (pid), not a daemon.
  std::optional<std::int64_t> foreground_pid;
  int exit = kExitOk;
};

Schedules LoadSchedules(const Invocation& inv, const char* command, bool as_listing = false) {
  Schedules out;
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, command); st != kExitOk) {
    out.exit = st;
    return out;
  }
  if (auto d = ServingDaemon(dir)) {
    auto r = SendControl(*d, "GET", "/v1/drills", "", kTimeout);
    if (r && r->status == 200) {
      boost::system::error_code ec;
      json::value v = json::parse(r->body, ec, out.storage);
      if (!ec && v.is_object()) {
        json::object& o = v.as_object();
        if (const json::value* f = o.if_contains("foreground"); f && f->is_bool() && f->as_bool()) {
          // A foreground `firedrill run`: its drill is running; the schedules are in the state.
          if (json::value* x = o.if_contains("drills"); x && x->is_array()) {
            out.running = std::move(x->as_array());
          }
          out.foreground_pid = static_cast<std::int64_t>(d->pid);
        } else if (json::value* s = o.if_contains("schedules"); s && s->is_array()) {
          out.schedules = std::move(s->as_array());
          if (json::value* x = o.if_contains("drills"); x && x->is_array()) {
            out.running = std::move(x->as_array());
          }
          return out;
        }
      }
    }
    if (ApiNamed() && !out.foreground_pid) {
      fmt::print(inv.err, "firedrill {}: {}\n", command,
                 !r                 ? r.error().message
                 : r->status == 200 ? "the daemon's answer is not a listing"
                                    : ErrorOf(*r));
      out.exit = kExitFailure;
      return out;
    }
    // A foreground `firedrill run` publishes no schedules: read them directly.
  }

  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) {
    if (db.error().code == ErrorCode::kNoRecords) return out;
    fmt::print(inv.err, "firedrill {}: {}\n", command, db.error().ToString());
    out.exit = kExitStateError;
    return out;
  }
  auto listing = ScheduleTable(*db).Listing();
  if (!listing) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, listing.error().message);
    out.exit = kExitStateError;
    return out;
  }
  if (as_listing) {
    out.listing = std::move(*listing);
    return out;
  }
  for (const ScheduleListing& l : *listing) out.schedules.push_back(ListingJson(l));
  return out;
}

std::string_view StrView(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// The window start as `firedrill list` shows it: in the drill's zone.
std::string ListedWindow(SysTime start, std::string_view zone) {
  // FormatUtc spells four-digit years the way ParseUtc reads them back, so those need no round
  // trip through the text; any other year shows as the daemon's JSON would have it.
  int year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(start)).year());
  if (year < 1000 || year > 9999) {
    std::string text = FormatUtc(start);
    auto parsed = ParseUtc(text);
    return parsed ? FormatInZone(*parsed, zone) : text;
  }
  return FormatInZone(start, zone);
}

// Appends `field` left-aligned in `width` columns, then a space, as fmt's "{:<W} " does.
void AppendPadded(std::string& text, std::string_view field, std::size_t width) {
  bool ascii = std::all_of(field.begin(), field.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {  // fmt measures the width of other characters (wide ones count twice)
    fmt::format_to(std::back_inserter(text), "{:<{}} ", field, width);
    return;
  }
  text += field;
  if (field.size() < width) text.append(width - field.size(), ' ');
  text += ' ';
}

// Appends one row of `firedrill list`, as "{:<32} {:<10} {:<34} {:<14} {}\n" formats it.
void AppendListRow(std::string& text, std::string_view id, std::string_view state,
                   std::string_view when, std::string_view service, std::string_view title) {
  AppendPadded(text, id, 32);
  AppendPadded(text, state, 10);
  AppendPadded(text, when, 34);
  AppendPadded(text, service, 14);
  text += title;
  text += '\n';
}

int RunList(const Invocation& inv) {
  Schedules s = LoadSchedules(inv, "list", true);
  if (s.exit != kExitOk) return s.exit;
  bool all = inv.args.Has("all");
  auto wanted = [all](std::string_view state) {
    return all || state == "scheduled" || state == "running";
  };
  // The daemon's objects, or the listing's rows, that are shown.
  json::array shown(s.storage);
  std::vector<const ScheduleListing*> rows;
  if (s.listing) {
    for (const ScheduleListing& l : *s.listing) {
      if (wanted(ScheduleStateName(l.state))) rows.push_back(&l);
    }
  } else {
    for (json::value& v : s.schedules) {
      if (wanted(StrView(v.as_object(), "state"))) shown.push_back(std::move(v));
    }
  }
  if (s.foreground_pid) {
    // Drills a foreground `firedrill run` is running are not schedules: listed on their own.
    for (const json::value& v : s.running) shown.push_back(v);
  }
  if (inv.args.Has("json")) {
    if (s.listing) {
      shown.reserve(rows.size());
      for (const ScheduleListing* l : rows) shown.push_back(ListingJson(*l));
    }
    json::object answer(s.storage);
    answer["schedules"] = std::move(shown);
    fmt::print(inv.out, "{}\n", json::serialize(answer));
    return kExitOk;
  }
  if (shown.empty() && rows.empty()) {
    fmt::print(inv.out, "no drills scheduled{} (firedrill schedule FILE)\n",
               all ? "" : " or running");
    return kExitOk;
  }
  std::string text = fmt::format("{:<32} {:<10} {:<34} {:<14} {}\n", "DRILL", "STATE",
                                 "WINDOW (drill's zone)", "SERVICE", "TITLE");
  text.reserve(text.size() * (shown.size() + rows.size() + 1));
  for (const ScheduleListing* l : rows) {
    AppendListRow(text, l->drill_id, ScheduleStateName(l->state),
                  ListedWindow(l->next_start, l->zone), l->service, l->title);
  }
  for (const json::value& v : shown) {
    const json::object& o = v.as_object();
    std::string_view window_start = StrView(o, "window_start");
    auto start = ParseUtc(window_start);
    std::string when = start ? FormatInZone(*start, StrView(o, "zone")) : std::string(window_start);
    AppendListRow(text, StrView(o, "id"), StrView(o, "state"), when, StrView(o, "service"),
                  StrView(o, "title"));
  }
  inv.out << text;
  return kExitOk;
}

// The freeze that holds on `dir` as the daemon tells it (else as the state directory stores
// it): {"frozen": false} or Freezer::Json's facts.
json::object FreezeOf(const std::filesystem::path& dir) {
  if (auto d = ServingDaemon(dir)) {
    auto r = SendControl(*d, "GET", "/v1/freeze", "", kTimeout);
    boost::system::error_code ec;
    json::value v = r && r->status == 200 ? json::parse(r->body, ec) : json::value();
    if (!ec && v.is_object()) return v.as_object();
  }
  json::object o{{"frozen", false}};
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) return o;
  auto held = FreezeTable(*db).Current();
  if (!held || !*held) return o;
  const FreezeRecord& f = **held;
  o = json::object{{"frozen", true},           {"id", f.id}, {"cause", f.cause},
                   {"reason", f.reason},       {"by", f.by}, {"since", FormatUtc(f.started)},
                   {"text", DescribeFreeze(f)}};
  o["thaw_at"] = f.thaw_at ? json::value(FormatUtc(*f.thaw_at)) : json::value(nullptr);
  return o;
}

int RunStatus(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  if (int st = CheckNamedApi(inv, "status"); st != kExitOk) return st;
  bool json_out = inv.args.Has("json");
  if (!inv.args.positionals().empty()) {
    const std::string& id = inv.args.positionals().front();
    json::object o;
    if (auto d = ServingDaemon(dir)) {
      auto r = SendControl(*d, "GET", "/v1/drills/" + id, "", kTimeout);
      if (r && r->status == 200) {
        boost::system::error_code ec;
        json::value v = json::parse(r->body, ec);
        if (!ec && v.is_object()) o = v.as_object();
      } else if (r && r->status == 404) {
        fmt::print(inv.err, "firedrill status: {}\n", ErrorOf(*r));
        return kExitNotFound;
      } else if (ApiNamed()) {
        fmt::print(inv.err, "firedrill status: {}\n", !r ? r.error().message : ErrorOf(*r));
        return kExitFailure;
      }
    }
    if (o.empty()) {
      auto db = Database::Open(dir, OpenMode::kReadOnly);
      if (!db) {
        fmt::print(inv.err, "firedrill status: {}\n", db.error().ToString());
        return db.error().code == ErrorCode::kNoRecords ? kExitNotFound : kExitStateError;
      }
      auto rec = ScheduleTable(*db).Get(id);
      if (!rec || !*rec) {
        fmt::print(inv.err, "firedrill status: no scheduled drill \"{}\"\n", id);
        return kExitNotFound;
      }
      o = ScheduleJson(**rec);
    }
    if (json_out) {
      fmt::print(inv.out, "{}\n", json::serialize(o));
      return kExitOk;
    }
    fmt::print(inv.out, "drill {}: {}{}\n  window {} to {}\n  announced {} (invite sequence {})\n",
               StringField(o, "id"), StringField(o, "state"),
               StringField(o, "phase").empty() ? "" : " (" + StringField(o, "phase") + ")",
               StringField(o, "window_start"), StringField(o, "window_end"),
               StringField(o, "announced"),
               o.if_contains("sequence") ? json::serialize(o.at("sequence")) : "?");
    if (!StringField(o, "run").empty()) fmt::print(inv.out, "  run {}\n", StringField(o, "run"));
    if (!StringField(o, "t0").empty()) fmt::print(inv.out, "  T0 {}\n", StringField(o, "t0"));
    if (!StringField(o, "lead_override").empty()) {
      fmt::print(inv.out, "  announcement lead overridden: {}\n", StringField(o, "lead_override"));
    }
    return kExitOk;
  }
  Schedules s = LoadSchedules(inv, "status");
  if (s.exit != kExitOk) return s.exit;
  bool serving = ServingDaemon(dir).has_value() && !s.foreground_pid;
  json::object freeze = FreezeOf(dir);
  const json::value* frozen = freeze.if_contains("frozen");
  const bool is_frozen = frozen != nullptr && frozen->is_bool() && frozen->as_bool();
  if (json_out) {
    json::object o{{"daemon", serving}, {"running", s.running}, {"freeze", freeze}};
    if (s.foreground_pid) o["foreground_pid"] = *s.foreground_pid;
    fmt::print(inv.out, "{}\n", json::serialize(o));
    return kExitOk;
  }
  if (s.foreground_pid) {
    fmt::print(inv.out,
               "a foreground `firedrill run` (pid {}) runs drills on this state directory\n",
               *s.foreground_pid);
  } else {
    fmt::print(
        inv.out, "{}\n",
        serving ? "a daemon serves this state directory" : "no daemon serves this state directory");
  }
  if (is_frozen) {
    fmt::print(inv.out, "FROZEN: every drill is stood down: {}\n", StringField(freeze, "text"));
  }
  if (s.running.empty()) fmt::print(inv.out, "no drill is running\n");
  for (const json::value& v : s.running) {
    const json::object& o = v.as_object();
    fmt::print(inv.out, "running: {} (run {}): {}\n", StringField(o, "id"), StringField(o, "run"),
               StringField(o, "phase").empty() ? StringField(o, "state") : StringField(o, "phase"));
  }
  for (const json::value& v : s.schedules) {
    const json::object& o = v.as_object();
    if (StringField(o, "state") == "scheduled") {
      fmt::print(inv.out, "next: {} at {}\n", StringField(o, "id"), StringField(o, "window_start"));
      break;
    }
  }
  return kExitOk;
}

}  // namespace

Command ListCommand() {
  return Command{"list",
                 "firedrill list [--all] [--json]",
                 "the scheduled and running drills, next window first",
                 "Lists every drill that is scheduled or running, ordered by its next window,\n"
                 "shown in the drill's own time zone. With --all, done and cancelled ones too.\n"
                 "Works with or without a daemon, and shows a foreground `firedrill run` too.\n"
                 "\n"
                 "Options:\n"
                 "  --all    also the drills that are done or cancelled\n"
                 "  --json   a JSON array of the drills, with their state and next window\n"
                 "\n"
                 "Exit status: 0 (also when nothing is scheduled); 1 if the daemon named by\n"
                 "FIREDRILL_API cannot be asked; 4 if the state directory cannot be read.\n",
                 ArgSpec{{"json", "all"}, {}, 0, 0},
                 RunList};
}

Command StatusCommand() {
  return Command{"status",
                 "firedrill status [--json] [ID]",
                 "live state: the daemon, running drills, one drill's schedule",
                 "Without ID: whether a daemon serves the state directory, what runs now and\n"
                 "what is next. With ID: that drill's schedule, announcement and, while it runs,\n"
                 "its phase and T0. A foreground `firedrill run` on the state directory counts\n"
                 "as running.\n"
                 "\n"
                 "Options:\n"
                 "  --json   the same as one JSON object\n"
                 "\n"
                 "Exit status: 0; 1 if the daemon cannot be asked; 4 if the state directory\n"
                 "cannot be read; 7 if no drill ID is known.\n",
                 ArgSpec{{"json"}, {}, 0, 1},
                 RunStatus};
}

}  // namespace firedrill
