#include "orchestrator/cli/drill_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <ostream>

#include "drills/drill_loader.h"
#include "drills/drill_plan.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/exit_status.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace json = boost::json;

json::object ErrorJson(const Error& e) {
  json::object o;
  o["message"] = e.message;
  if (e.where) {
    o["file"] = e.where->file;
    o["line"] = e.where->line;
    o["column"] = e.where->column;
  }
  return o;
}

int RunValidate(const Invocation& inv) {
  bool as_json = inv.args.Has("json");
  json::array report;
  int status = kExitOk;
  for (const std::string& file : inv.args.positionals()) {
    LoadResult r = LoadDrillFile(file, DrillFaultCatalog());
    if (!r.ok()) status = kExitInvalidDrill;
    if (as_json) {
      json::object o;
      o["file"] = file;
      o["ok"] = r.ok();
      json::array errors;
      for (const Error& e : r.diagnostics) errors.push_back(ErrorJson(e));
      o["errors"] = std::move(errors);
      if (r.ok()) o["id"] = r.drill->id;
      report.push_back(std::move(o));
      continue;
    }
    for (const Error& e : r.diagnostics) fmt::print(inv.err, "{}\n", e.ToString());
    if (r.ok()) {
      const Drill& d = *r.drill;
      fmt::print(inv.out, "{}: ok: drill \"{}\", {} fault{}, window {} ({})\n", file, d.id,
                 d.faults.size(), d.faults.size() == 1 ? "" : "s",
                 FormatInZone(d.window.start, d.window.zone), d.window.zone);
    } else {
      fmt::print(inv.err, "{}: {} problem{}\n", file, r.diagnostics.size(),
                 r.diagnostics.size() == 1 ? "" : "s");
    }
  }
  if (as_json) inv.out << json::serialize(report) << "\n";
  return status;
}

json::object TimeJson(SysTime t, const std::string& zone) {
  json::object o;
  o["utc"] = FormatUtc(t);
  o["local"] = FormatInZone(t, zone);
  return o;
}

std::string Objective(const std::optional<Duration>& d) {
  return d ? FormatDuration(*d) : std::string("none set");
}

int RunPlan(const Invocation& inv) {
  const std::string& file = inv.args.positionals().front();
  LoadResult r = LoadDrillFile(file, DrillFaultCatalog());
  if (!r.ok()) {
    for (const Error& e : r.diagnostics) fmt::print(inv.err, "{}\n", e.ToString());
    fmt::print(inv.err, "{}: not planned: fix the problems above (firedrill validate {})\n", file,
               file);
    return kExitInvalidDrill;
  }
  const Drill& d = *r.drill;
  const std::string& zone = d.window.zone;
  DrillPlan plan = PlanDrill(d);
  bool announce_passed = NowUtc() > plan.announce_by;

  if (inv.args.Has("json")) {
    json::object o;
    o["drill"] = d.id;
    o["title"] = d.title;
    o["service"] = d.service;
    o["zone"] = zone;
    o["announce_lead"] = FormatDuration(d.announce.lead);
    o["announce_by"] = TimeJson(plan.announce_by, zone);
    o["announce_by_passed"] = announce_passed;
    o["window_start"] = TimeJson(plan.window_start, zone);
    o["window_end"] = TimeJson(plan.window_end, zone);
    json::array faults;
    for (const PlannedFault& f : plan.faults) {
      json::object fo;
      fo["id"] = f.id;
      fo["kind"] = f.kind;
      fo["target"] = f.target;
      fo["inject_at"] = TimeJson(f.inject_at, zone);
      fo["restore_timeout"] = FormatDuration(f.restore_timeout);
      faults.push_back(std::move(fo));
    }
    o["faults"] = std::move(faults);
    o["restore_budget"] = FormatDuration(plan.restore_budget);
    o["restore_at"] = TimeJson(plan.restore_at, zone);
    o["restore_deadline"] = TimeJson(plan.window_end, zone);
    o["grace"] = FormatDuration(d.window.grace);
    o["give_up_at"] = TimeJson(plan.give_up_at, zone);
    json::object objectives;
    if (d.objectives.detect_within) {
      objectives["detect_within"] = FormatDuration(*d.objectives.detect_within);
    }
    if (d.objectives.recover_within) {
      objectives["recover_within"] = FormatDuration(*d.objectives.recover_within);
    }
    o["objectives"] = std::move(objectives);
    inv.out << json::serialize(o) << "\n";
    return kExitOk;
  }

  auto line = [&](const std::string& what, SysTime t, const std::string& note) {
    fmt::print(inv.out, "  {:<28} {:<34} {}{}\n", what, FormatInZone(t, zone), FormatUtc(t),
               note.empty() ? "" : "  " + note);
  };
  fmt::print(inv.out, "Drill {}: {} (service {}, owner {})\n", d.id, d.title, d.service, d.owner);
  fmt::print(inv.out, "Times in {} and UTC:\n", zone);
  line("announce by", plan.announce_by,
       fmt::format("lead {}{}", FormatDuration(d.announce.lead),
                   announce_passed ? "; this deadline has passed" : ""));
  line("window opens", plan.window_start, "");
  for (const PlannedFault& f : plan.faults) {
    line(fmt::format("inject {}", f.id), f.inject_at, fmt::format("{} on {}", f.kind, f.target));
  }
  line("auto-restore begins", plan.restore_at,
       fmt::format("restore budget {}", FormatDuration(plan.restore_budget)));
  line("window closes", plan.window_end, "every fault restored and verified by now");
  line("give up retrying restore", plan.give_up_at,
       fmt::format("grace {}; then exit {} and list what remains", FormatDuration(d.window.grace),
                   static_cast<int>(kExitRestoreIncomplete)));
  fmt::print(inv.out, "Objectives: detect within {}, recover within {}\n",
             Objective(d.objectives.detect_within), Objective(d.objectives.recover_within));
  if (announce_passed) {
    fmt::print(inv.out,
               "Note: the announce-by deadline has passed; announcing now would make the drill "
               "be refused at injection (lead time {}).\n",
               FormatDuration(d.announce.lead));
  }
  return kExitOk;
}

}  // namespace

Command ValidateCommand() {
  return Command{
      "validate",
      "firedrill validate [--json] FILE...",
      "check drill files; every problem as FILE:LINE:COL: message",
      "Checks each drill file completely and reports every problem, not just the first:\n"
      "TOML syntax, unknown keys (with a suggestion when one is close), wrong types, fault\n"
      "parameters (checked by each fault kind), unknown time zones, DST gaps, windows that\n"
      "end before they start or are too short for the restore budget, targets and probes\n"
      "that are referenced but not defined, duplicate ids, overlaps with blackouts.\n"
      "Nothing is written anywhere.\n"
      "\n"
      "Options:\n"
      "  --json   one JSON array on stdout: [{file, ok, id, errors: [{file, line, column,\n"
      "           message}]}]\n"
      "\n"
      "Exit status: 0 if every file is valid, 3 if any has problems.\n"
      "\n"
      "Example:\n"
      "  firedrill validate drills/examples/*.toml\n",
      ArgSpec{{"json"}, {}, 1, SIZE_MAX},
      RunValidate};
}

Command PlanCommand() {
  return Command{
      "plan",
      "firedrill plan [--json] FILE",
      "the timeline: announce-by, window, injections, restore deadline",
      "Shows when the drill must be announced (window start minus announce.lead), when the\n"
      "window opens, when each fault is injected, when auto-restore begins (window end minus\n"
      "the restore budget, so that everything is restored and verified when the announced\n"
      "window closes), and when firedrill stops retrying a failing restore (window end plus\n"
      "grace). Times are shown in the drill's zone and in UTC. Nothing is written anywhere.\n"
      "\n"
      "Options:\n"
      "  --json   the plan as one JSON object; every time as {utc, local}\n"
      "\n"
      "Exit status: 0, or 3 if the drill file has problems.\n"
      "\n"
      "Example:\n"
      "  firedrill plan drills/examples/db-port-blackhole.toml\n",
      ArgSpec{{"json"}, {}, 1, 1},
      RunPlan};
}

}  // namespace firedrill
