#include "tests/orchestrator/report/recorded_runs.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"

namespace firedrill::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

SysTime Day(const std::string& day) {
  auto t = ParseUtc(day);
  if (!t) throw std::invalid_argument("bad day " + day);
  return *t;
}

constexpr char kWindowEnd[] = "the restore point of the window was reached";

}  // namespace

SysTime At(const std::string& utc) {
  auto t = ParseUtc(utc);
  REQUIRE(t);
  return *t;
}

std::string CheckoutDrillText(const std::string& id, const std::string& day,
                              const std::string& service) {
  return fmt::format(R"(id = "{0}"
title = "Checkout loses its web process"
service = "{2}"
owner = "platform@example.com"
playbook = "https://wiki.example.com/runbooks/checkout/web-down"
hypothesis = "CheckoutDown pages on-call within 5 minutes; checkout is back within 15."

[objectives]
detect_within = "5m"
recover_within = "15m"
availability = 99.9
slo_period = "30d"

[window]
start = {1}T08:00:00Z
end = {1}T09:00:00Z
zone = "Europe/Copenhagen"

[announce]
lead = "72h"

[[participants]]
name = "jonas.weber@example.com"
role = "incident-commander"

[[participants]]
name = "alice.ng@example.com"
role = "responder"

[[participants]]
name = "li.wong@example.com"
role = "scribe"

[targets.web]
local = true

[[faults]]
id = "stop-web"
kind = "command"
target = "web"
delay = "2m"
inject = "systemctl stop checkout-web"
check = "! systemctl is-active --quiet checkout-web"
restore = "systemctl start checkout-web"

[[faults]]
id = "block-cache"
kind = "command"
target = "web"
delay = "3m"
inject = "touch /run/checkout/cache-off"
restore = "rm -f /run/checkout/cache-off"

[[probes]]
name = "checkout-http"
kind = "tcp"
target = "web"
host = "127.0.0.1"
port = 8080

[[guards]]
name = "checkout-down-too-long"
kind = "probe"
probe = "checkout-http"
max_red = "10m"
)",
                     id, day, service);
}

std::string QuietDrillText(const std::string& id, const std::string& day,
                           const std::string& service) {
  std::string text = CheckoutDrillText(id, day, service);
  text.erase(text.find("[[probes]]"));
  std::size_t objectives = text.find("[objectives]");
  text.erase(objectives, text.find("[window]") - objectives);
  const std::string zone = "zone = \"Europe/Copenhagen\"\n";
  text.replace(text.find(zone), zone.size(), "zone = \"UTC\"\ngrace = \"2m\"\n");
  return "briefing_required = true\n" + text;
}

RunBuilder::RunBuilder(std::string drill_id, std::string run_id, std::string source,
                       SysTime window_start, SysTime window_end)
    : drill_id_(std::move(drill_id)), run_id_(std::move(run_id)), start_(window_start) {
  At(-1s, "run-started",
     {{"file", "drills/" + drill_id_ + ".toml"},
      {"source", source},
      {"window_start", FormatUtc(window_start)},
      {"window_end", FormatUtc(window_end)}});
}

RunBuilder& RunBuilder::At(Duration offset, const std::string& kind, json::object payload,
                           const std::string& actor) {
  payload["run"] = run_id_;
  NewEvent e;
  e.drill_id = drill_id_;
  e.kind = kind;
  e.actor = actor;
  e.payload_json = json::serialize(payload);
  e.ts = start_ + offset;
  events_.push_back(std::move(e));
  return *this;
}

std::string RecordedRunId(const std::string& name) { return "checkout-" + name + "-1811836800000"; }

std::vector<NewEvent> RecordedRun(const std::string& name) {
  std::string drill = "checkout-" + name;
  SysTime start = Day("2027-06-01") + 8h;
  RunBuilder b(drill, RecordedRunId(name), CheckoutDrillText(drill), start, start + 1h);
  auto restored = [&](Duration at, const std::string& fault, bool verified,
                      const std::string& actor = "orchestrator") {
    std::string message =
        verified ? fmt::format("fault {} (command on web) restored and verified", fault)
                 : fmt::format(
                       "fault {} (command on web) restored; no check command, so verified only "
                       "by the restore command's exit status",
                       fault);
    b.At(at, "fault-restored",
         {{"fault", fault},
          {"kind", "command"},
          {"target", "web"},
          {"verified", verified},
          {"message", message}},
         actor);
  };
  b.At(-500ms, "preflight-passed", {{"probes", 1}, {"faults", 2}});
  b.At(2min + 150ms, "fault-injected",
       {{"fault", "stop-web"}, {"kind", "command"}, {"target", "web"}});
  b.At(3min + 100ms, "fault-injected",
       {{"fault", "block-cache"}, {"kind", "command"}, {"target", "web"}});
  b.At(3min + 120ms, "active", {{"restore_at", "2027-06-01T09:00:00.000Z"}});
  b.At(3min + 5s, "probe-red", {{"probe", "checkout-http"}, {"detail", "connection refused"}});
  if (name == "team-recovered") {
    b.At(4min + 10s, "alert-detected",
         {{"source", "alertmanager"}, {"fingerprint", "a1b2c3"}, {"since_t0_ms", 130'000}});
    b.At(5min, "ack-detected",
         {{"by", "alice.ng@example.com"},
          {"note", "CheckoutDown paged; dashboards show 100% errors"},
          {"since_t0_ms", 179'850},
          {"first", true}},
         "alice.ng@example.com");
    b.At(13min, "probe-green", {{"probe", "checkout-http"}, {"detail", "connected"}});
    b.At(13min, "recovered", {{"by", "probes"}, {"ttr_ms", 659'850}});
    b.At(14min, "ack-recovered",
         {{"by", "jonas.weber@example.com"},
          {"note", "web restarted by the runbook"},
          {"since_t0_ms", 719'850},
          {"first", true}},
         "jonas.weber@example.com");
    b.At(60min, "restore-started", {{"reason", kWindowEnd}});
    restored(60min + 400ms, "block-cache", false);
    restored(60min + 900ms, "stop-web", true);
    b.At(60min + 950ms, "run-ended",
         {{"recovered_by_team", true},
          {"auto_restored", false},
          {"ttd_human_ms", 179'850},
          {"ttr_probe_ms", 659'850},
          {"ttr_human_ms", 719'850},
          {"outcome", "closed; the team recovered, faults restored and verified"}});
  } else if (name == "auto-restored") {
    b.At(9min, "ack-detected",
         {{"by", "alice.ng@example.com"}, {"note", ""}, {"since_t0_ms", 419'850}, {"first", true}},
         "alice.ng@example.com");
    b.At(60min, "restore-started", {{"reason", kWindowEnd}});
    restored(60min + 400ms, "block-cache", false);
    restored(60min + 900ms, "stop-web", true);
    b.At(60min + 950ms, "run-ended",
         {{"recovered_by_team", false},
          {"auto_restored", true},
          {"ttd_human_ms", 419'850},
          {"ttr_probe_ms", nullptr},
          {"ttr_human_ms", nullptr},
          {"outcome", "closed; auto-restored (not recovered within the window)"}});
  } else if (name == "aborted") {
    b.At(13min + 6s, "guard-tripped",
         {{"guard", "checkout-down-too-long"},
          {"probe", "checkout-http"},
          {"reason", "probe checkout-http red for more than 10m"}});
    b.At(13min + 6s + 10ms, "restore-started",
         {{"reason", "guard checkout-down-too-long tripped"}});
    restored(13min + 7s, "block-cache", false);
    restored(13min + 8s, "stop-web", true);
    b.At(13min + 8s + 50ms, "run-ended",
         {{"recovered_by_team", false},
          {"auto_restored", true},
          {"ttd_human_ms", nullptr},
          {"ttr_probe_ms", nullptr},
          {"ttr_human_ms", nullptr},
          {"outcome", "aborted; every fault restored and verified"}});
  } else if (name == "restore-failed") {
    b.At(6min, "ack-detected",
         {{"by", "oncall@example.com"},
          {"note", "paged by CheckoutDown"},
          {"since_t0_ms", 239'850},
          {"first", true}},
         "oncall@example.com");
    b.At(60min, "restore-started", {{"reason", kWindowEnd}});
    restored(60min + 400ms, "block-cache", false);
    for (Duration at : {60min + 1s, 60min + 3s}) {
      b.At(at, "restore-failed",
           {{"fault", "stop-web"},
            {"kind", "command"},
            {"target", "web"},
            {"verified", false},
            {"message", "restore ran but the fault is still in place"}});
    }
    b.At(70min, "restore-incomplete",
         {{"recovered_by_team", false},
          {"auto_restored", true},
          {"ttd_human_ms", 239'850},
          {"ttr_probe_ms", nullptr},
          {"ttr_human_ms", nullptr},
          {"remaining",
           json::array{json::object{{"fault", "stop-web"},
                                    {"error", "restore ran but the fault is still in place"},
                                    {"undo", "systemctl start checkout-web"}}}}});
  } else {
    throw std::invalid_argument("no recorded run " + name);
  }
  return b.events();
}

std::vector<NewEvent> WithDrillFacts(std::vector<NewEvent> events) {
  for (NewEvent& e : events) {
    if (e.kind != "run-started") continue;
    json::object p = json::parse(e.payload_json).as_object();
    LoadResult loaded =
        LoadDrillText(std::string(p.at("source").as_string()), "drill.toml", BuiltinFaults());
    if (!loaded.ok()) continue;
    json::value run = p.at("run");
    p.erase("run");
    p["drill_facts"] = DrillFactsJson(*loaded.drill);
    p["run"] = std::move(run);
    e.payload_json = json::serialize(p);
  }
  return events;
}

std::vector<Event> AsEvents(const std::vector<NewEvent>& events) {
  std::vector<Event> out;
  for (const NewEvent& n : events) {
    Event e;
    e.seq = static_cast<std::int64_t>(out.size()) + 1;
    e.ts = *n.ts;
    e.drill_id = n.drill_id;
    e.kind = n.kind;
    e.actor = n.actor;
    e.payload_json = n.payload_json;
    out.push_back(std::move(e));
  }
  return out;
}

const char kEditedPostmortem[] = R"(# Postmortem

## Timeline

| a | b |
|---|---|
| not | an action |

## Action items

| Type (mitigate/prevent/process) | Action | Owner | Priority | Ticket | Due |
|---|---|---|---|---|---|
| prevent | Make the restore of fault `reject-pg` reliable | alice@example.com | P1 | OPS-12 | 2027-07-01 |
|  |  |  |  |  |  |
| process | Page the DBA on-call too, not only SRE \| with "context", please | bob | Medium |  |  |
| mitigate | Add a query probe for PostgreSQL | | urgent-ish | | |

## Something after
| x | y |
)";

void RecordRunIn(const std::filesystem::path& state, const std::string& name) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  if (!db) throw std::runtime_error("cannot open the records: " + db.error().ToString());
  EventLog log(*db);
  for (const NewEvent& e : RecordedRun(name)) {
    if (auto appended = log.Append(e); !appended.ok()) {
      throw std::runtime_error("cannot record " + e.kind + ": " + appended.error().message);
    }
  }
}

std::vector<std::pair<std::string, boost::json::object>> NoticesIn(
    const std::filesystem::path& state, const std::string& drill_id) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  if (!db) throw std::runtime_error("cannot open the records: " + db.error().ToString());
  auto events = EventLog(*db).ForDrill(drill_id);
  if (!events.ok()) throw std::runtime_error("cannot read the records: " + events.error().message);
  std::vector<std::pair<std::string, boost::json::object>> out;
  for (const Event& e : *events) {
    if (e.kind != "notice-delivered" && e.kind != "notice-failed") continue;
    out.emplace_back(e.kind, boost::json::parse(e.payload_json).as_object());
  }
  return out;
}

}  // namespace firedrill::testing
