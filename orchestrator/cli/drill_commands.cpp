#include "orchestrator/cli/drill_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "drills/drill_loader.h"
#include "drills/drill_plan.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/announce/icalendar.h"
#include "orchestrator/engine/admission.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/freeze_table.h"
#include "orchestrator/store/schedule_table.h"
#include "orchestrator/store/state_dir.h"
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
      if (r.ok()) o["warnings"] = json::value_from(InviteWarnings(*r.drill));
      report.push_back(std::move(o));
      continue;
    }
    for (const Error& e : r.diagnostics) fmt::print(inv.err, "{}\n", e.ToString());
    if (r.ok()) {
      const Drill& d = *r.drill;
      fmt::print(inv.out, "{}: ok: drill \"{}\", {} fault{}, window {} ({})\n", file, d.id,
                 d.faults.size(), d.faults.size() == 1 ? "" : "s",
                 FormatInZone(d.window.start, d.window.zone), d.window.zone);
      for (const std::string& w : InviteWarnings(d))
        fmt::print(inv.err, "{}: warning: {}\n", file, w);
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

// The --ics/--sequence/--cancel options of `plan`, checked before anything is read.
struct InviteRequest {
  std::string path;
  InviteOptions options;
};

// Returns the invite to write (none without --ics), or prints the usage error and sets `exit`.
std::optional<InviteRequest> InviteRequestFromArgs(const Invocation& inv, int& exit) {
  exit = kExitOk;
  std::optional<std::string> ics = inv.args.Value("ics");
  std::optional<std::string> seq = inv.args.Value("sequence");
  bool cancel = inv.args.Has("cancel");
  if (!ics) {
    if (seq || cancel) {
      fmt::print(inv.err, "firedrill plan: {} only applies to an invite; add --ics OUT.ics\n",
                 seq ? "--sequence" : "--cancel");
      exit = kExitUsage;
    }
    return std::nullopt;
  }
  if (ics->empty()) {
    fmt::print(inv.err, "firedrill plan: --ics needs a file name, e.g. --ics drill.ics\n");
    exit = kExitUsage;
    return std::nullopt;
  }
  InviteRequest req{*ics, InviteOptions{NowUtc(), 0, cancel}};
  if (seq) {
    const char* end = seq->data() + seq->size();
    auto [ptr, ec] = std::from_chars(seq->data(), end, req.options.sequence);
    if (seq->empty() || ec != std::errc() || ptr != end || req.options.sequence < 0) {
      fmt::print(inv.err,
                 "firedrill plan: --sequence must be a whole number 0 or more, not \"{}\"\n", *seq);
      exit = kExitUsage;
      return std::nullopt;
    }
  }
  return req;
}

// What starting the drill now would do, run by hand and scheduled with the daemon: the same
// CheckStart the engine applies, with the facts each would know.
struct StartAdvice {
  std::string how;  ///< "firedrill run", "firedrill schedule (now)"
  StartVerdict verdict;
  std::string note;  ///< what this way of running does not check, for people
};

std::vector<StartAdvice> AdviseStart(const Drill& d, const DrillPlan& plan, SysTime now,
                                     const std::optional<std::filesystem::path>& state) {
  std::optional<std::pair<std::string, SysTime>> briefing;
  std::optional<std::string> freeze;
  if (state) {
    if (auto db = Database::Open(*state, OpenMode::kReadOnly); db.ok()) {
      if (auto b = LatestBriefing(*db, d.id, SysTime{}); b.ok()) briefing = *b;
      if (auto f = FreezeTable(*db).Current(); f.ok() && *f) freeze = DescribeFreeze(**f);
    }
  }
  AdmissionFacts by_hand;  // no alerts reach it; the announcement is not checked
  by_hand.briefing = briefing;
  by_hand.freeze = freeze;
  AdmissionFacts scheduled;  // alerts reach it (none known firing now); announced now
  scheduled.firing = std::vector<Alert>{};
  scheduled.announced_at = now;
  scheduled.briefing = briefing;
  scheduled.freeze = freeze;
  return {
      {"firedrill run", CheckStart(d, plan, now, by_hand),
       "a drill run by hand is not checked against announce.lead"},
      {"firedrill schedule (now)", CheckStart(d, plan, now, scheduled),
       "the daemon checks the announcement lead and any alert already firing"},
  };
}

std::string AdviceText(const StartAdvice& a, SysTime now, const std::string& zone) {
  if (a.verdict.refused_now) return "refused at once: " + *a.verdict.refused_now;
  std::string when =
      a.verdict.inject_at > now
          ? fmt::format("waits until {}, then ", FormatInZone(a.verdict.inject_at, zone))
          : std::string();
  if (!a.verdict.at_injection.problems.empty()) {
    return when + "would be refused at injection: " +
           fmt::format("{}", fmt::join(a.verdict.at_injection.problems, "; "));
  }
  return when + "injects (" + a.note + ")";
}

int RunPlan(const Invocation& inv) {
  const std::string& file = inv.args.positionals().front();
  int usage_status = kExitOk;
  std::optional<InviteRequest> invite_req = InviteRequestFromArgs(inv, usage_status);
  if (usage_status != kExitOk) return usage_status;
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
  const SysTime now = NowUtc();
  bool announce_passed = now > plan.announce_by;
  std::optional<std::filesystem::path> state;
  if (inv.args.Value("state") || std::getenv("FIREDRILL_STATE") != nullptr) {
    state = ResolveStateDir(inv.args.Value("state"));
  }
  const std::vector<StartAdvice> advice = AdviseStart(d, plan, now, state);

  // The invite is written before anything is printed, so a failure leaves no half-done output.
  std::optional<Invite> invite;
  if (invite_req) {
    Expected<Invite> rendered = RenderInvite(d, invite_req->options);
    if (!rendered) {
      fmt::print(inv.err, "{}: no invite written: {}\n", file, rendered.error().message);
      return kExitInvalidDrill;
    }
    if (Status w = WriteFileAtomically(invite_req->path, rendered->text); !w) {
      fmt::print(inv.err, "firedrill plan: --ics: {}\n", w.error().message);
      return kExitFailure;
    }
    for (const std::string& who : rendered->not_invited) {
      fmt::print(inv.err, "{}: \"{}\" has no e-mail address and is not in the invite\n", file, who);
    }
    invite = std::move(*rendered);
  }

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
    json::array starts;
    for (const StartAdvice& a : advice) {
      json::array reasons;
      if (a.verdict.refused_now) reasons.emplace_back(*a.verdict.refused_now);
      for (const std::string& p : a.verdict.at_injection.problems) reasons.emplace_back(p);
      starts.push_back(
          json::object{{"how", a.how},
                       {"refused_now", a.verdict.refused_now.has_value()},
                       {"inject_at", TimeJson(a.verdict.inject_at, zone)},
                       {"refused_at_injection",
                        !a.verdict.refused_now && !a.verdict.at_injection.problems.empty()},
                       {"reasons", std::move(reasons)},
                       {"text", AdviceText(a, now, zone)}});
    }
    o["if_started_now"] = std::move(starts);
    if (invite) {
      json::object io;
      io["file"] = invite_req->path;
      io["uid"] = invite->uid;
      io["method"] = invite->method;
      io["sequence"] = invite_req->options.sequence;
      json::array skipped;
      for (const std::string& who : invite->not_invited) skipped.emplace_back(who);
      io["not_invited"] = std::move(skipped);
      o["invite"] = std::move(io);
    }
    inv.out << json::serialize(o) << "\n";
    return kExitOk;
  }

  auto line = [&](const std::string& what, SysTime t, const std::string& note) {
    fmt::print(inv.out, "  {:<28} {:<34} {}{}\n", what, FormatInZone(t, zone), FormatUtc(t),
               note.empty() ? "" : "  " + note);
  };
  fmt::print(inv.out, "Drill {}: {} (service {}, owner {})\n", d.id, d.title, d.service, d.owner);
  if (zone == "UTC") {
    fmt::print(inv.out, "Times in UTC:\n");
  } else {
    fmt::print(inv.out, "Times in {} and UTC:\n", zone);
  }
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
  fmt::print(inv.out,
             "If started now (targets, probes and fault preconditions are checked at "
             "injection):\n");
  for (const StartAdvice& a : advice) {
    fmt::print(inv.out, "  {:<26} {}\n", a.how, AdviceText(a, now, zone));
  }
  if (invite) {
    fmt::print(inv.out, "Invite written to {}: {} (sequence {}, UID {})\n", invite_req->path,
               invite->method == "PUBLISH"  ? "publication"
               : invite_req->options.cancel ? "cancellation"
                                            : "request",
               invite_req->options.sequence, invite->uid);
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
      "firedrill plan [--json] [--ics OUT.ics [--sequence N] [--cancel]] FILE",
      "the timeline: announce-by, window, injections, restore deadline",
      "Shows when the drill must be announced (window start minus announce.lead), when the\n"
      "window opens, when each fault is injected, when auto-restore begins (window end minus\n"
      "the restore budget, so that everything is restored and verified when the announced\n"
      "window closes), and when firedrill stops retrying a failing restore (window end plus\n"
      "grace). Times are shown in the drill's zone and in UTC. Nothing is written anywhere,\n"
      "except the calendar invite when --ics is given.\n"
      "\n"
      "Then says what starting the drill now would do, decided exactly as the run decides it:\n"
      "run by hand (`firedrill run`: the announcement lead is not checked) and scheduled now\n"
      "(the daemon: announced now, so a window closer than announce.lead is refused at\n"
      "injection). A briefing recorded in the state directory (--state, FIREDRILL_STATE)\n"
      "counts. Targets, probes and fault preconditions are only checked at injection.\n"
      "\n"
      "Options:\n"
      "  --json          the plan as one JSON object; every time as {utc, local}\n"
      "  --ics OUT.ics   also write the drill's calendar invite (iCalendar, for any calendar\n"
      "                  program) to OUT.ics: one event covering the window, titled\n"
      "                  \"[DRILL] TITLE (ID)\", from the owner to every participant and\n"
      "                  announce attendee that has an e-mail address. Its description says\n"
      "                  it is a practice drill and gives the window in the drill's zone, the\n"
      "                  playbook and the hypothesis. The owner needs an e-mail address.\n"
      "  --sequence N    the invite's revision number (default 0). Send the first invite\n"
      "                  with 0 and every changed one (new window, new people) with a higher\n"
      "                  number; calendars then replace the event they hold for this drill.\n"
      "  --cancel        write a cancellation instead; calendars remove the event. Give it a\n"
      "                  --sequence higher than the last invite's.\n"
      "\n"
      "Exit status: 0; 2 for a wrong option value; 3 if the drill file has problems (or its\n"
      "owner has no e-mail address for the invite); 1 if the invite cannot be written.\n"
      "\n"
      "Example:\n"
      "  firedrill plan drills/examples/db-port-blackhole.toml\n"
      "  firedrill plan --ics drill.ics drills/examples/db-port-blackhole.toml\n"
      "  firedrill plan --ics drill.ics --sequence 1 drills/examples/db-port-blackhole.toml\n"
      "  firedrill plan --ics drill.ics --sequence 2 --cancel FILE\n",
      ArgSpec{{"json", "cancel"}, {"ics", "sequence"}, 1, 1},
      RunPlan};
}

}  // namespace firedrill
