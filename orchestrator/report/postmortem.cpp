#include "orchestrator/report/postmortem.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "drills/zoned_time.h"
#include "orchestrator/report/action_items.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/metrics.h"
#include "orchestrator/report/run_events.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// What the header needs, from the drill when it loads, else from the drills table.
struct Header {
  std::string title;
  std::string service;
  std::string owner;
  std::string playbook;
  std::string hypothesis;
  std::string zone = "UTC";
};

Header HeaderOf(const RunFacts& f, const std::optional<DrillRecord>& record) {
  Header h;
  if (f.drill) {
    h.title = f.drill->title;
    h.service = f.drill->service;
    h.owner = f.drill->owner;
    h.playbook = f.drill->playbook;
    h.hypothesis = f.drill->hypothesis;
    h.zone = f.drill->window.zone;
  } else if (record) {
    h.title = record->title;
    h.service = record->service;
    h.owner = record->owner;
    h.zone = record->zone.empty() ? "UTC" : record->zone;
  }
  if (h.title.empty()) h.title = f.drill_id;
  return h;
}

// A Markdown table cell: no pipes, no line breaks.

json::value Ms(const std::optional<Duration>& d) {
  return d ? json::value(d->count()) : json::value(nullptr);
}

json::value Utc(const std::optional<SysTime>& t) {
  return t ? json::value(FormatUtc(*t)) : json::value(nullptr);
}

std::string DateOf(const RunFacts& f) {
  std::optional<SysTime> t = f.t0 ? f.t0 : f.started ? f.started : f.last_event;
  return t ? FormatUtc(*t).substr(0, 10) : std::string("unknown");
}

const FaultSpec* SpecOf(const RunFacts& f, const std::string& id) {
  if (!f.drill) return nullptr;
  for (const FaultSpec& s : f.drill->faults) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

// One row of the faults section: the drill's faults in file order, then any the drill no longer
// names (recorded, but the text did not load).
struct FaultRow {
  std::string id;
  std::string kind;
  std::string target;
  std::string params;
  std::string undo;  // how it is undone
  const FaultFact* fact = nullptr;
};

std::vector<FaultRow> FaultRows(const RunFacts& f) {
  std::vector<FaultRow> rows;
  auto fact_of = [&](const std::string& id) -> const FaultFact* {
    for (const FaultFact& ff : f.faults) {
      if (ff.id == id) return &ff;
    }
    return nullptr;
  };
  if (f.drill) {
    for (const FaultSpec& s : f.drill->faults) {
      FaultRow r{s.id, s.kind, s.target, s.params ? s.params->Describe() : "", "", fact_of(s.id)};
      r.undo = s.restore_command ? fmt::format("its restore command `{}`", *s.restore_command)
                                 : fmt::format("the {} kind's own restore", s.kind);
      rows.push_back(std::move(r));
    }
  }
  for (const FaultFact& ff : f.faults) {
    if (SpecOf(f, ff.id) != nullptr) continue;
    rows.push_back({ff.id, ff.kind, ff.target, "", "as recorded by the restorer", &ff});
  }
  return rows;
}

std::string RestoreState(const FaultFact* ff) {
  if (ff != nullptr && ff->unknown_at_crash) {
    return fmt::format(
        "state unknown at the crash (its inject had begun); restored{} by `{}` at {}",
        ff->verified ? " and verified" : " (not verified: no check)", ff->restored_by,
        ff->restored_at ? FormatUtc(*ff->restored_at) : std::string("?"));
  }
  if (ff == nullptr || !ff->injected_at) return "not injected";
  if (!ff->restored) return "NOT restored";
  return ff->verified ? "yes, by its check"
                      : "no check command: restore command's exit status only";
}

std::string Summary(const RunFacts& f, const Header& h) {
  std::vector<std::string> injected;
  for (const FaultFact& ff : f.faults) {
    if (ff.injected_at) injected.push_back(ff.id);
  }
  std::string s;
  if (f.t0) {
    s = fmt::format("{} fault{} injected into {} ({}); T0 was {}. ", injected.size(),
                    injected.size() == 1 ? " was" : "s were",
                    h.service.empty() ? std::string("the service") : h.service,
                    fmt::join(injected, ", "), FormatUtc(*f.t0));
  } else {
    s = "No fault was in place during this run. ";
  }
  s += f.outcome_text;
  if (f.t0) {
    auto measured = [](const std::optional<Duration>& d) {
      return d ? FormatDuration(*d) : std::string("not reached");
    };
    s += fmt::format(" Detection: TTD (human) {}, TTD (alert) {}.", measured(f.ttd_human),
                     measured(f.ttd_alert));
  }
  if (!f.guard_trips.empty()) {
    std::vector<std::string> g;
    for (const GuardTrip& t : f.guard_trips) g.push_back(t.guard);
    s += fmt::format(" Guard{} tripped: {}.", g.size() == 1 ? "" : "s", fmt::join(g, ", "));
  }
  return s;
}

// Pre-filled action items: only what the records show needs doing; the team adds the rest.
std::vector<ActionItem> PrefilledActions(const RunFacts& f) {
  std::vector<ActionItem> items;
  for (const FaultFact& ff : f.faults) {
    if (!ff.restore_errors.empty() || (ff.injected_at && !ff.restored)) {
      items.push_back(ActionItem{
          .type = "prevent",
          .action = fmt::format("Make the restore of fault `{}` ({} on {}) reliable{}", ff.id,
                                ff.kind, ff.target,
                                ff.restore_errors.empty()
                                    ? std::string()
                                    : ": it failed with \"" + ff.restore_errors.front() + "\"")});
    }
  }
  return items;
}

std::string SloText(const RunFacts& f) {
  if (!f.drill) {
    return "The recorded drill text could not be read, so there is no error-budget context.";
  }
  auto b = ErrorBudgetOf(f);
  if (!b) {
    return "The drill sets no availability objective (`objectives.availability`), so there is "
           "no error-budget context.";
  }
  std::string s = fmt::format(
      "Availability objective {}% over {}: an error budget of {} (budget = (1 - availability / "
      "100) x period). ",
      b->availability, FormatDuration(b->period), FormatDuration(b->budget));
  if (!b->impact_measured) {
    return s + "The drill has no probes, so its impact on users was not measured.";
  }
  if (f.impact_lower_bound) {
    return s + fmt::format(
                   "Probes were red for at least {} during this drill (a fault was never "
                   "restored, so the impact is counted only up to the run's last record), which "
                   "consumed at least {:.2f}% of the period's error budget.",
                   FormatDuration(b->impact), b->consumed_percent);
  }
  return s + fmt::format(
                 "Probes were red for {} in total during this drill (from probe-red to "
                 "probe-green, or to the restore when they never went green), which consumed "
                 "{:.2f}% of the period's error budget.",
                 FormatDuration(b->impact), b->consumed_percent);
}

// What the records show for a team section, as bullet lines; empty when nothing applies.
std::vector<std::string> RecordedFor(const RunFacts& f, const std::string& key) {
  std::vector<std::string> lines;
  if (key == "detection") {
    if (f.first_alert) {
      lines.push_back(fmt::format("first matching alert: from {} at {}", f.first_alert->source,
                                  SinceT0(f.first_alert->since_t0)));
    }
    for (const AckFact& a : f.detected_acks) {
      lines.push_back(fmt::format("{} acknowledged detection at {}{}", a.by, SinceT0(a.since_t0),
                                  a.note.empty() ? "" : ": " + a.note));
    }
    if (f.t0 && !f.first_alert && f.detected_acks.empty()) {
      lines.push_back("no alert and no acknowledgement of detection were recorded");
    }
  } else if (key == "recovery") {
    std::vector<std::pair<Duration, std::string>> timed;
    if (f.ttr_probe) {
      timed.emplace_back(*f.ttr_probe,
                         fmt::format("every probe green again at {}", SinceT0(*f.ttr_probe)));
    }
    for (const AckFact& a : f.recovered_acks) {
      timed.emplace_back(a.since_t0,
                         fmt::format("{} marked the service recovered at {}{}", a.by,
                                     SinceT0(a.since_t0), a.note.empty() ? "" : ": " + a.note));
    }
    std::stable_sort(timed.begin(), timed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& entry : timed) lines.push_back(std::move(entry.second));
    if (f.t0 && !f.team_recovered) lines.push_back(f.outcome_text);
  }
  return lines;
}

const char kBlameless[] =
    "Blameless by design: this document describes systems, signals and decisions, never whose "
    "fault something was.";

}  // namespace

const std::vector<TeamSection>& TeamSections() {
  static const std::vector<TeamSection> kSections = {
      {"detection",
       "Detection",
       {"How did we notice: an alert, a dashboard, a customer report? Which signal came first?",
        "How would we halve TTD?"}},
      {"response",
       "Response",
       {"Was the playbook findable, current and right? What did we have to improvise?",
        "Did the people paged have the access, tools and information they needed?"}},
      {"recovery", "Recovery", {"What slowed recovery? What would make it routine, or automatic?"}},
      {"contributing_factors",
       "Contributing factors",
       {"Which conditions made this possible or worse: alerting, dashboards, tooling, "
        "documentation, load, timing, handovers?",
        "Describe systems and decisions, not people. \"Root cause = human error\" is where an "
        "analysis starts, not where it ends: ask what made each action reasonable at the time."}},
      {"went_well", "What went well", {"What worked as intended and should be kept?"}},
      {"went_wrong", "What went wrong", {"What did not work as intended?"}},
      {"got_lucky",
       "Where we got lucky",
       {"What could have made this much worse, and did not only by chance?"}},
      {"playbook_gaps",
       "Playbook gaps",
       {"Which steps of the playbook were missing, wrong or out of date?"}},
      {"drill_feedback",
       "Feedback on the drill itself",
       {"Was the scenario realistic? Were the window, the announcement and the briefing right?",
        "What should the next drill practise?"}},
  };
  return kSections;
}

bool IsTemplateGuidance(const std::string& line) {
  for (const TeamSection& s : TeamSections()) {
    for (const std::string& q : s.questions) {
      if (line == "> - " + q) return true;
    }
  }
  return false;
}

std::string PostmortemMarkdown(const RunFacts& f, const std::optional<DrillRecord>& record) {
  Header h = HeaderOf(f, record);
  std::string md = fmt::format("# Postmortem: {}\n\n> {}\n\n", h.title, kBlameless);
  md += "| | |\n|---|---|\n";
  md += fmt::format("| Drill | `{}` |\n| Run | `{}` |\n", f.drill_id, f.run_id);
  md += fmt::format("| Service | {} |\n| Owner | {} |\n| Status | draft |\n",
                    MarkdownCell(h.service.empty() ? "unknown" : h.service),
                    MarkdownCell(h.owner.empty() ? "unknown" : h.owner));
  md += fmt::format("| Date | {} (UTC) |\n", DateOf(f));
  md += fmt::format("| Playbook | {} |\n",
                    h.playbook.empty() ? "unknown" : fmt::format("<{}>", MarkdownCell(h.playbook)));
  if (!f.drill_file.empty())
    md += fmt::format("| Drill file | `{}` |\n", MarkdownCell(f.drill_file));
  md += fmt::format("| Outcome | {} |\n", MarkdownCell(f.outcome_text));
  if (!f.drill_problem.empty()) {
    md += fmt::format(
        "\n_The recorded drill text could not be read again ({}); what only the drill file "
        "knows (objectives, roles, hypothesis, fault parameters) is missing below._\n",
        f.drill_problem);
  }

  md += "\n## Participants\n\n";
  if (f.participants.empty()) {
    md += "_The drill lists no participants and nobody acknowledged during the run._\n";
  } else {
    md += "| Name | Role | During the run |\n|---|---|---|\n";
    for (const ParticipantFact& p : f.participants) {
      md += fmt::format("| {} | {} | {} |\n", MarkdownCell(p.name), MarkdownCell(p.role),
                        MarkdownCell(fmt::format("{}", fmt::join(p.actions, ", "))));
    }
  }

  md += "\n## Summary\n\n" + Summary(f, h) + "\n\n";
  md += fmt::format("**Hypothesis:** {}\n\n",
                    h.hypothesis.empty() ? "_none written in the drill_" : h.hypothesis);
  md += "**What happened compared with the hypothesis:** _for the team to complete._\n";

  md += "\n## Faults injected\n\n";
  std::vector<FaultRow> rows = FaultRows(f);
  if (rows.empty()) {
    md += "_No fault is recorded for this run._\n";
  } else {
    md += "| Fault | What, where | In place (UTC) | Undone by | Restored (UTC) | Verified |\n";
    md += "|---|---|---|---|---|---|\n";
    for (const FaultRow& r : rows) {
      const FaultFact* ff = r.fact;
      std::string what = fmt::format("{} on `{}`", r.kind, r.target);
      if (!r.params.empty()) what += ": " + r.params;
      std::string undone = r.undo;
      if (ff != nullptr && ff->restored) undone += fmt::format(" (run by {})", ff->restored_by);
      md += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", r.id, MarkdownCell(what),
                        ff && ff->injected_at        ? FormatUtc(*ff->injected_at)
                        : ff && ff->unknown_at_crash ? std::string("unknown (run died)")
                                                     : std::string("—"),
                        MarkdownCell(undone),
                        ff && ff->restored_at ? FormatUtc(*ff->restored_at) : "—",
                        MarkdownCell(RestoreState(ff)));
    }
    bool any_error = false;
    for (const FaultFact& ff : f.faults) {
      // Retries repeat the same message: say it once, with the number of attempts.
      std::vector<std::pair<std::string, int>> distinct;
      for (const std::string& e : ff.restore_errors) {
        auto it = std::find_if(distinct.begin(), distinct.end(),
                               [&](const auto& d) { return d.first == e; });
        if (it == distinct.end()) {
          distinct.emplace_back(e, 1);
        } else {
          ++it->second;
        }
      }
      for (const auto& [e, count] : distinct) {
        if (!any_error) md += "\nRestore attempts that failed:\n\n";
        any_error = true;
        md += fmt::format("- `{}`: {}{}\n", ff.id, e,
                          count == 1 ? std::string() : fmt::format(" ({} attempts)", count));
      }
    }
    if (!f.restore_incomplete.empty()) {
      md += "\n**Still in place when the run ended** (manual action was needed):\n\n";
      for (const UnrestoredFault& u : f.restore_incomplete) {
        md += fmt::format("- `{}`: {}. Undo by hand: `{}`\n", u.fault, u.error, u.undo);
      }
    }
  }

  md += "\n## Timeline\n\n";
  const std::string t0 = f.t0 ? FormatUtc(*f.t0) : std::string("none (no fault was in place)");
  if (h.zone == "UTC") {
    md += fmt::format("Times in UTC (the drill's zone); T0 = {}.\n\n", t0);
  } else {
    md += fmt::format("Times in UTC and in {} (the drill's zone); T0 = {}.\n\n", h.zone, t0);
  }
  md += fmt::format("| UTC | {} | Since T0 | What happened | By |\n|---|---|---|---|---|\n",
                    MarkdownCell(h.zone));
  for (const TimelineEntry& e : f.timeline) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", FormatUtc(e.ts), FormatInZone(e.ts, h.zone),
                      f.t0 ? SinceT0(std::chrono::duration_cast<Duration>(e.ts - *f.t0)) : "—",
                      MarkdownCell(e.text), MarkdownCell(e.actor));
  }

  md += "\n## Metrics\n\n";
  std::vector<Metric> metrics = RunMetrics(f);
  md += "| Metric | Measured | Objective | Verdict | Note |\n|---|---|---|---|---|\n";
  for (const Metric& m : metrics) {
    md += fmt::format("| {} | {} | {} | {} | {} |\n", m.name, DurationOrDash(m.measured),
                      DurationOrDash(m.objective), VerdictName(m.verdict), MarkdownCell(m.note));
  }
  md += "\nHow they are measured:\n\n";
  md += fmt::format("- **T0**: {}\n", kT0Definition);
  for (const Metric& m : metrics) md += fmt::format("- **{}**: {}.\n", m.name, m.definition);
  md +=
      "- An objective is met when the measurement is at most the objective; a measurement "
      "that never happened is \"not reached\", never a number.\n";
  if (f.outcome == RunOutcome::kAutoRestored) {
    md +=
        "\n**Auto-restored at window end.** The team did not recover within the window; "
        "firedrill restored every fault. There is no TTR for this run.\n";
  } else if (f.outcome == RunOutcome::kAborted) {
    md += fmt::format(
        "\n**Aborted before the team recovered** ({}). Every fault was restored; there is no "
        "TTR for this run.\n",
        f.abort_reason);
  } else if (f.outcome == RunOutcome::kAbsorbed) {
    md +=
        "\n**The system absorbed the fault.** Every probe that went red was green again while "
        "the fault was still in place, before anyone acted. That is resilience worth knowing "
        "about, not the team's recovery: there is no team TTR for this run.\n";
  } else if (f.outcome == RunOutcome::kInconclusive) {
    md +=
        "\n**Inconclusive: the fault had no observable effect.** No probe turned red and no "
        "alert fired, so detection was not tested. Check that the probes (and alerts) can see "
        "this kind of fault before the next drill.\n";
  } else if (f.outcome == RunOutcome::kInterrupted) {
    md += fmt::format("\n**Interrupted.** {}\n", f.outcome_text);
  } else if (f.outcome == RunOutcome::kRestoreIncomplete && !f.team_recovered) {
    md +=
        "\n**The team did not recover and the restore was incomplete.** There is no TTR for "
        "this run.\n";
  }

  md += "\n## SLO context\n\n" + SloText(f) + "\n";

  for (const TeamSection& s : TeamSections()) {
    md += fmt::format("\n## {}\n\n", s.title);
    for (const std::string& q : s.questions) md += "> - " + q + "\n";
    std::vector<std::string> recorded = RecordedFor(f, s.key);
    if (!recorded.empty()) {
      md += "\nWhat the records show:\n\n";
      for (const std::string& l : recorded) md += "- " + l + "\n";
    }
  }

  md += "\n## Action items\n\n";
  md += "| Type (mitigate/prevent/process) | Action | Owner | Priority | Ticket | Due |\n";
  md += "|---|---|---|---|---|---|\n";
  for (const ActionItem& a : PrefilledActions(f)) {
    md += fmt::format("| {} | {} |  |  |  |  |\n", a.type, MarkdownCell(a.action));
  }
  md += "|  |  |  |  |  |  |\n";
  return md;
}

boost::json::object PostmortemObject(const RunFacts& f, const std::optional<DrillRecord>& record) {
  Header h = HeaderOf(f, record);
  json::object o;
  o["format"] = "firedrill-postmortem/1";
  o["status"] = "draft";
  o["blameless"] = kBlameless;
  json::object drill{{"id", f.drill_id}, {"title", h.title},       {"service", h.service},
                     {"owner", h.owner}, {"playbook", h.playbook}, {"hypothesis", h.hypothesis},
                     {"zone", h.zone},   {"file", f.drill_file}};
  if (!f.drill_problem.empty()) drill["problem"] = f.drill_problem;
  o["drill"] = std::move(drill);
  o["run"] = f.run_id;
  o["date"] = DateOf(f);
  json::array participants;
  for (const ParticipantFact& p : f.participants) {
    json::array actions;
    for (const std::string& a : p.actions) actions.push_back(json::value(a));
    participants.push_back(json::object{
        {"name", p.name}, {"role", p.role}, {"listed", p.listed}, {"actions", std::move(actions)}});
  }
  o["participants"] = std::move(participants);
  o["summary"] = Summary(f, h);
  o["outcome"] = json::object{{"code", OutcomeName(f.outcome)},
                              {"text", f.outcome_text},
                              {"team_recovered", f.team_recovered},
                              {"auto_restored", f.auto_restored},
                              {"aborted", f.aborted},
                              {"abort_reason", f.abort_reason}};
  o["t0"] = Utc(f.t0);

  json::array faults;
  for (const FaultRow& r : FaultRows(f)) {
    const FaultFact* ff = r.fact;
    json::object fo{{"id", r.id},
                    {"kind", r.kind},
                    {"target", r.target},
                    {"params", r.params},
                    {"undone_by", r.undo},
                    {"injected_at", Utc(ff ? ff->injected_at : std::nullopt)},
                    {"restored", ff != nullptr && ff->restored},
                    {"restored_at", Utc(ff ? ff->restored_at : std::nullopt)},
                    {"restored_by", ff ? ff->restored_by : ""},
                    {"verified", ff != nullptr && ff->verified}};
    json::array errors;
    if (ff != nullptr) {
      for (const std::string& e : ff->restore_errors) errors.push_back(json::value(e));
    }
    fo["restore_errors"] = std::move(errors);
    for (const UnrestoredFault& u : f.restore_incomplete) {
      if (u.fault == r.id)
        fo["still_in_place"] = json::object{{"error", u.error}, {"undo", u.undo}};
    }
    faults.push_back(std::move(fo));
  }
  o["faults"] = std::move(faults);

  json::array timeline;
  for (const TimelineEntry& e : f.timeline) {
    timeline.push_back(
        json::object{{"ts", FormatUtc(e.ts)},
                     {"local", FormatInZone(e.ts, h.zone)},
                     {"since_t0_ms",
                      f.t0 ? json::value(std::chrono::duration_cast<Duration>(e.ts - *f.t0).count())
                           : json::value(nullptr)},
                     {"kind", e.kind},
                     {"actor", e.actor},
                     {"text", e.text}});
  }
  o["timeline"] = std::move(timeline);

  json::array metrics;
  for (const Metric& m : RunMetrics(f)) {
    metrics.push_back(json::object{{"key", m.key},
                                   {"name", m.name},
                                   {"definition", m.definition},
                                   {"measured_ms", Ms(m.measured)},
                                   {"objective_ms", Ms(m.objective)},
                                   {"verdict", VerdictName(m.verdict)},
                                   {"note", m.note}});
  }
  o["metrics"] = json::object{{"t0_definition", kT0Definition}, {"items", std::move(metrics)}};

  json::array guards;
  for (const GuardTrip& g : f.guard_trips) {
    guards.push_back(json::object{{"ts", FormatUtc(g.ts)}, {"guard", g.guard}, {"probe", g.probe}});
  }
  o["guard_trips"] = std::move(guards);

  json::object slo{{"text", SloText(f)}};
  if (auto b = ErrorBudgetOf(f)) {
    slo["availability_percent"] = b->availability;
    slo["period_ms"] = b->period.count();
    slo["budget_ms"] = b->budget.count();
    slo["impact_measured"] = b->impact_measured;
    slo["impact_ms"] = b->impact_measured ? json::value(b->impact.count()) : json::value(nullptr);
    slo["impact_lower_bound"] = f.impact_lower_bound;
    slo["consumed_percent"] =
        b->impact_measured ? json::value(b->consumed_percent) : json::value(nullptr);
  }
  o["slo"] = std::move(slo);

  json::array sections;
  for (const TeamSection& s : TeamSections()) {
    json::array questions, recorded;
    for (const std::string& q : s.questions) questions.push_back(json::value(q));
    for (const std::string& l : RecordedFor(f, s.key)) recorded.push_back(json::value(l));
    sections.push_back(json::object{{"key", s.key},
                                    {"title", s.title},
                                    {"questions", std::move(questions)},
                                    {"recorded", std::move(recorded)},
                                    {"text", ""}});
  }
  o["sections"] = std::move(sections);

  json::array items;
  for (const ActionItem& a : PrefilledActions(f)) {
    items.push_back(json::object{{"type", a.type},
                                 {"action", a.action},
                                 {"owner", ""},
                                 {"priority", ""},
                                 {"ticket", ""},
                                 {"due", ""}});
  }
  o["action_items"] = std::move(items);
  return o;
}

std::string PostmortemJson(const RunFacts& f, const std::optional<DrillRecord>& record) {
  return PrettyJson(PostmortemObject(f, record));
}

std::filesystem::path PostmortemPath(const std::filesystem::path& state_dir,
                                     const std::string& run_id) {
  return state_dir / "postmortems" / (run_id + ".md");
}

Status WritePostmortemFile(const std::filesystem::path& state_dir, Database& db,
                           const std::string& run_id) {
  auto events = LoadRunEvents(db, run_id, std::nullopt);
  if (!events.ok()) return events.error();
  if (events->empty()) {
    return Error{fmt::format("no events of run \"{}\" in the records", run_id)};
  }
  RunFacts facts = DeriveRunFacts(*events);
  std::optional<DrillRecord> record;
  if (auto r = DrillTable(db).GetDrill(facts.drill_id); r.ok() && *r) record = **r;
  std::string text = PostmortemMarkdown(facts, record);

  std::filesystem::path file = PostmortemPath(state_dir, run_id);
  std::filesystem::path dir = file.parent_path();
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno))};
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return Error{fmt::format("{} exists already; not overwriting it", file.string())};
  }
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno))};
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{fmt::format("cannot write {}: {}", tmp.string(), why)};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error{fmt::format("cannot write {}: {}", tmp.string(), why)};
  }
  // link() refuses an existing target: a file that appeared meanwhile is never replaced.
  if (::link(tmp.c_str(), file.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error{fmt::format("cannot create {}: {}", file.string(), why)};
  }
  ::unlink(tmp.c_str());
  return Status::Ok();
}

}  // namespace firedrill
