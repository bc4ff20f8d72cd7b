#include "orchestrator/cli/daemon_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>
#include <string_view>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/alerts/rfc3339.h"
#include "orchestrator/announce/webhook_url.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/control/tls_context.h"
#include "orchestrator/daemon/daemon.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/blackout_table.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

namespace json = boost::json;

constexpr Duration kTimeout = std::chrono::seconds(30);

std::string Actor(const std::optional<std::string>& by) {
  if (by && !by->empty()) return *by;
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

// Whether FIREDRILL_API names the daemon to act through.
bool ApiNamed() {
  const char* api = std::getenv("FIREDRILL_API");
  return api != nullptr && *api != '\0';
}

// A daemon named by FIREDRILL_API is the only place the command may act: a refused FIREDRILL_API
// must never fall back, silently, to a state directory on the caller's machine. Returns kExitOk,
// or prints why and returns kExitStateError.
int CheckNamedApi(const Invocation& inv, const char* command) {
  if (!ApiNamed()) return kExitOk;
  auto e = FindControlEndpoint({});  // with FIREDRILL_API no state directory is read
  if (e) return kExitOk;
  fmt::print(inv.err, "firedrill {}: {}\n", command, e.error().message);
  return kExitStateError;
}

// The daemon serving `dir`, if one does.
std::optional<ControlEndpoint> ServingDaemon(const std::filesystem::path& dir) {
  auto e = FindControlEndpoint(dir);
  if (!e) return std::nullopt;
  return *e;
}

std::string ErrorOf(const ControlResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const json::value* e = v.as_object().if_contains("error"); e && e->is_string()) {
      return std::string(e->as_string());
    }
  }
  return fmt::format("the daemon answered HTTP {}", r.status);
}

int ExitOf(int http) {
  if (http == 404) return kExitNotFound;
  if (http == 400) return kExitInvalidDrill;
  return kExitFailure;
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Prints a schedule/cancel outcome (the daemon's JSON or ours).
void PrintOutcome(const Invocation& inv, const char* verb, const json::object& o) {
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", json::serialize(o));
    return;
  }
  std::string zone = Str(o, "zone");
  fmt::print(inv.out, "{} {}: window {} to {} (invite sequence {})\n", verb, Str(o, "id"),
             Str(o, "window_start"), Str(o, "window_end"),
             o.if_contains("sequence") ? json::serialize(o.at("sequence")) : "?");
  if (!Str(o, "invite").empty()) fmt::print(inv.out, "  calendar invite: {}\n", Str(o, "invite"));
  if (const json::value* w = o.if_contains("warnings"); w && w->is_array()) {
    for (const json::value& x : w->as_array()) {
      if (x.is_string()) fmt::print(inv.err, "  warning: {}\n", std::string(x.as_string()));
    }
  }
}

// Sends to the daemon and prints the outcome; returns the exit status.
int ViaDaemon(const Invocation& inv, const char* command, const ControlEndpoint& e,
              const std::string& method, const std::string& path, const json::object& body,
              const char* verb) {
  auto r = SendControl(e, method, path, body.empty() ? "" : json::serialize(body), kTimeout);
  if (!r) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, r.error().message);
    return kExitFailure;
  }
  if (r->status / 100 != 2) {
    fmt::print(inv.err, "firedrill {}: {}\n", command, ErrorOf(*r));
    return ExitOf(r->status);
  }
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) {
    fmt::print(inv.err, "firedrill {}: the daemon sent no JSON object\n", command);
    return kExitFailure;
  }
  const json::value* again = v.as_object().if_contains("rescheduled");
  PrintOutcome(inv, again && again->is_bool() && again->as_bool() ? "rescheduled" : verb,
               v.as_object());
  return kExitOk;
}

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
    return done.error().message.find("has problems") != std::string::npos ? kExitInvalidDrill
                                                                          : kExitFailure;
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
      return st.error().message.starts_with("no scheduled") ? kExitNotFound : kExitFailure;
    }
  }
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n", json::serialize(json::object{{"drill", id}, {"briefed_by", *by}}));
  } else {
    fmt::print(inv.out, "briefing of {} by {} recorded\n", id, *by);
  }
  return kExitOk;
}

// The schedules: from the daemon when one serves (JSON objects, with live phases), else read
// from the state directly (as JSON objects, or as the listing itself when `as_listing`).
struct Schedules {
  /// Holds the daemon's parsed answer; `schedules` and `running` use it.
  json::storage_ptr storage = json::make_shared_resource<json::monotonic_resource>();
  json::array schedules = json::array(storage);
  json::array running = json::array(storage);
  /// Read from the state directly when `as_listing` was asked (then `schedules` is empty).
  std::optional<std::vector<ScheduleListing>> listing;
  int exit = kExitOk;
};

json::object ListingJson(const ScheduleListing& l) {
  return json::object{{"id", l.drill_id},
                      {"title", l.title},
                      {"service", l.service},
                      {"state", ScheduleStateName(l.state)},
                      {"window_start", FormatUtc(l.next_start)},
                      {"window_end", FormatUtc(l.next_end)},
                      {"zone", l.zone}};
}

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
        if (json::value* s = o.if_contains("schedules"); s && s->is_array()) {
          out.schedules = std::move(s->as_array());
          if (json::value* x = o.if_contains("drills"); x && x->is_array()) {
            out.running = std::move(x->as_array());
          }
          return out;
        }
      }
    }
    if (ApiNamed()) {
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
    if (db.error().message.starts_with("no records yet")) return out;
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
        return db.error().message.starts_with("no records yet") ? kExitNotFound : kExitStateError;
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
               Str(o, "id"), Str(o, "state"),
               Str(o, "phase").empty() ? "" : " (" + Str(o, "phase") + ")", Str(o, "window_start"),
               Str(o, "window_end"), Str(o, "announced"),
               o.if_contains("sequence") ? json::serialize(o.at("sequence")) : "?");
    if (!Str(o, "run").empty()) fmt::print(inv.out, "  run {}\n", Str(o, "run"));
    if (!Str(o, "t0").empty()) fmt::print(inv.out, "  T0 {}\n", Str(o, "t0"));
    if (!Str(o, "lead_override").empty()) {
      fmt::print(inv.out, "  announcement lead overridden: {}\n", Str(o, "lead_override"));
    }
    return kExitOk;
  }
  Schedules s = LoadSchedules(inv, "status");
  if (s.exit != kExitOk) return s.exit;
  bool serving = ServingDaemon(dir).has_value();
  if (json_out) {
    fmt::print(inv.out, "{}\n",
               json::serialize(json::object{{"daemon", serving}, {"running", s.running}}));
    return kExitOk;
  }
  fmt::print(
      inv.out, "{}\n",
      serving ? "a daemon serves this state directory" : "no daemon serves this state directory");
  if (s.running.empty()) fmt::print(inv.out, "no drill is running\n");
  for (const json::value& v : s.running) {
    const json::object& o = v.as_object();
    fmt::print(inv.out, "running: {} (run {}): {}\n", Str(o, "id"), Str(o, "run"), Str(o, "state"));
  }
  for (const json::value& v : s.schedules) {
    const json::object& o = v.as_object();
    if (Str(o, "state") == "scheduled") {
      fmt::print(inv.out, "next: {} at {}\n", Str(o, "id"), Str(o, "window_start"));
      break;
    }
  }
  return kExitOk;
}

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
  } else if (!db.error().message.starts_with("no records yet")) {
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

// Reads a secret from a file (trailing whitespace dropped).
Expected<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read {}", path)};
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty()) return Error{fmt::format("{} is empty", path)};
  return text;
}

// ADDRESS:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8470, 0.0.0.0:8470, [::]:8470.
Expected<std::pair<std::string, std::uint16_t>> ParseListenAddress(const std::string& text) {
  auto refuse = [&text] {
    return Error(
        fmt::format("takes ADDRESS:PORT (an IP address; IPv6 in brackets), e.g. 127.0.0.1:8470 or "
                    "0.0.0.0:8470, not \"{}\"",
                    text));
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return refuse();
  std::string address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  int port = -1;
  const char* b = text.data() + colon + 1;
  const char* e = text.data() + text.size();
  auto [p, ec] = std::from_chars(b, e, port);
  boost::system::error_code bad;
  boost::asio::ip::make_address(address, bad);
  if (ec != std::errc() || p != e || port < 0 || port > 65535 || bad) return refuse();
  return std::pair{address, static_cast<std::uint16_t>(port)};
}

int RunServe(const Invocation& inv) {
  DaemonOptions o;
  o.state_dir = ResolveStateDir(inv.args.Value("state"));
  if (auto listen = inv.args.Value("listen")) {
    auto address = ParseListenAddress(*listen);
    if (!address) {
      fmt::print(inv.err, "firedrill serve: --listen: {}\n", address.error().message);
      return kExitUsage;
    }
    o.address = address->first;
    o.port = address->second;
  }
  auto cert = inv.args.Value("tls-cert");
  auto key = inv.args.Value("tls-key");
  if (cert.has_value() != key.has_value()) {
    fmt::print(inv.err, "firedrill serve: --tls-cert and --tls-key go together\n");
    return kExitUsage;
  }
  if (cert) {
    auto tls = MakeServerTlsContext(*cert, *key);
    if (!tls) {
      fmt::print(inv.err, "firedrill serve: {}\n", tls.error().message);
      return kExitUsage;
    }
    o.tls = *tls;
    o.tls_cert_file = fs::absolute(*cert).string();
  } else if (boost::system::error_code ec;
             !boost::asio::ip::make_address(o.address, ec).is_loopback()) {
    fmt::print(inv.err,
               "firedrill serve: --listen {}: an address other than loopback needs TLS "
               "(--tls-cert FILE --tls-key FILE): the API carries bearer tokens, which must not "
               "cross a network in clear text\n",
               o.address);
    return kExitUsage;
  }
  if (auto f = inv.args.Value("alert-token-file")) {
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --alert-token-file: {}\n", t.error().message);
      return kExitUsage;
    }
    o.secrets.alert_token = *t;
  }
  if (auto f = inv.args.Value("pagerduty-secret-file")) {
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --pagerduty-secret-file: {}\n", t.error().message);
      return kExitUsage;
    }
    std::stringstream lines(*t);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) o.secrets.pagerduty_secrets.push_back(line);
    }
  }
  for (auto [flag, urls] : {std::pair{"chat-url-file", &o.notices.chat_urls},
                            std::pair{"webhook-url-file", &o.notices.webhook_urls}}) {
    auto f = inv.args.Value(flag);
    if (!f) continue;
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --{}: {}\n", flag, t.error().message);
      return kExitUsage;
    }
    std::stringstream lines(*t);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      if (auto url = ParseWebhookUrl(line); !url) {
        fmt::print(inv.err, "firedrill serve: --{}: {}\n", flag, url.error().message);
        return kExitUsage;
      }
      urls->push_back(line);
    }
  }
  Daemon daemon(std::move(o), inv.out, inv.err);
  return daemon.Run();
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
      "Example:\n"
      "  firedrill blackout add --name \"release freeze\" --start 2027-12-20T00:00:00+01:00 \\\n"
      "    --end 2028-01-02T00:00:00+01:00\n",
      ArgSpec{{"json"}, {"name", "start", "end", "by"}, 0, 0},
      RunBlackoutAdd};
}

Command BlackoutListCommand() {
  return Command{
      "blackout list",
      "firedrill blackout list [--json]",
      "the declared blackouts that are not over",
      "Lists the blackouts declared with `firedrill blackout add` that have not ended.\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunBlackoutList};
}

Command ServeCommand() {
  return Command{
      "serve",
      "firedrill serve [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--alert-token-file F] "
      "[--pagerduty-secret-file F] [--chat-url-file F] [--webhook-url-file F] [--state DIR]",
      "the daemon: runs every scheduled drill when its window opens, serves the API",
      "Runs in the foreground until SIGINT or SIGTERM (run it as a service: see\n"
      "docs/running-the-daemon.md). On start it first restores anything the fault ledger says\n"
      "is still in place, then loads the schedules of the state directory and runs each drill\n"
      "when its window opens, several at once when their windows overlap. It serves the HTTP\n"
      "API (docs/control-api.md) for schedules, acks, alert webhooks and /metrics, and\n"
      "publishes its address in control.json, so that the other commands talk to it. On\n"
      "SIGTERM every running drill is aborted and restored before the daemon exits.\n"
      "\n"
      "Options:\n"
      "  --listen ADDR:PORT          where the API listens (default 127.0.0.1 on a free port);\n"
      "                              an address other than loopback (0.0.0.0:8470, [::]:8470)\n"
      "                              needs TLS\n"
      "  --tls-cert F --tls-key F    serve HTTPS only, with this certificate chain and private\n"
      "                              key (PEM, TLS 1.2 or later). Responders elsewhere use\n"
      "                              FIREDRILL_API=https://HOST:PORT, FIREDRILL_TOKEN and, for a\n"
      "                              certificate no system CA signed, FIREDRILL_CA_FILE\n"
      "  --alert-token-file F        the bearer token Alertmanager and Grafana send\n"
      "  --pagerduty-secret-file F   PagerDuty webhook signing secrets, one per line\n"
      "  --chat-url-file F           Slack-compatible incoming-webhook URLs, one per line, for\n"
      "                              drills with \"chat\" in announce.channels\n"
      "  --webhook-url-file F        generic JSON webhook URLs, one per line, for drills with\n"
      "                              \"webhook\" in announce.channels\n"
      "\n"
      "Exit status: 0 stopped cleanly; 2 wrong use (a bad flag, an unreadable secret file);\n"
      "4 the state directory or the address cannot be used, or another firedrill process runs\n"
      "drills on it.\n",
      ArgSpec{{},
              {"listen", "tls-cert", "tls-key", "alert-token-file", "pagerduty-secret-file",
               "chat-url-file", "webhook-url-file"},
              0,
              0},
      RunServe};
}

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

Command ListCommand() {
  return Command{"list",
                 "firedrill list [--all] [--json]",
                 "the scheduled and running drills, next window first",
                 "Lists every drill that is scheduled or running, ordered by its next window,\n"
                 "shown in the drill's own time zone. With --all, done and cancelled ones too.\n"
                 "Works with or without a daemon.\n",
                 ArgSpec{{"json", "all"}, {}, 0, 0},
                 RunList};
}

Command CancelCommand() {
  return Command{
      "cancel",
      "firedrill cancel --reason TEXT [--by NAME] [--json] ID",
      "call off a scheduled drill (writes the calendar cancellation)",
      "Marks the scheduled drill cancelled, records why and by whom, and writes the calendar\n"
      "cancellation (METHOD:CANCEL, next SEQUENCE) to the invites/ folder. A running drill is\n"
      "aborted instead (firedrill abort).\n",
      ArgSpec{{"json"}, {"reason", "by"}, 1, 1},
      RunCancel};
}

Command StatusCommand() {
  return Command{"status",
                 "firedrill status [--json] [ID]",
                 "live state: the daemon, running drills, one drill's schedule",
                 "Without ID: whether a daemon serves the state directory, what runs now and\n"
                 "what is next. With ID: that drill's schedule, announcement and, while it runs,\n"
                 "its phase and T0.\n",
                 ArgSpec{{"json"}, {}, 0, 1},
                 RunStatus};
}

Command BriefCommand() {
  return Command{
      "brief",
      "firedrill brief --by NAME [--note TEXT] [--json] ID",
      "record that the team was briefed on the drill's playbook",
      "Records who briefed the team on the playbook of scheduled drill ID, and when. A drill\n"
      "with briefing_required = true is refused at injection without a briefing recorded\n"
      "after its (latest) announcement.\n",
      ArgSpec{{"json"}, {"by", "note"}, 1, 1},
      RunBrief};
}

}  // namespace firedrill
