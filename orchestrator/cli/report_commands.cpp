#include "orchestrator/cli/report_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "drills/zoned_time.h"
#include "orchestrator/cli/actions_jira.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/console/report_page.h"
#include "orchestrator/daemon/run_report_loader.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/action_items.h"
#include "orchestrator/report/audit.h"
#include "orchestrator/report/audit_json.h"
#include "orchestrator/report/audit_junit.h"
#include "orchestrator/report/audit_loader.h"
#include "orchestrator/report/audit_render.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/report/postmortem.h"
#include "orchestrator/report/postmortem_confluence.h"
#include "orchestrator/report/postmortem_lint.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// The output format from --json / --format; nullopt (after printing why) when it is not one of
// `allowed`.
std::optional<std::string> FormatOf(const Invocation& inv, const std::string& command,
                                    const std::vector<std::string>& allowed) {
  std::string format = inv.args.Has("json") ? "json" : inv.args.Value("format").value_or("md");
  if (std::find(allowed.begin(), allowed.end(), format) == allowed.end()) {
    fmt::print(inv.err, "firedrill {}: unknown --format \"{}\"; one of: {}\n", command, format,
               fmt::join(allowed, ", "));
    return std::nullopt;
  }
  return format;
}

// Writes `text` to --output FILE, or to stdout. Returns an exit status.
int Emit(const Invocation& inv, const std::string& command, const std::string& text) {
  std::optional<std::string> output = inv.args.Value("output");
  if (!output) {
    inv.out << text;
    return kExitOk;
  }
  std::ofstream file(*output, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    fmt::print(inv.err, "firedrill {}: cannot write {}\n", command, *output);
    return kExitFailure;
  }
  fmt::print(inv.err, "firedrill {}: wrote {}\n", command, *output);
  return kExitOk;
}

int RunLint(const Invocation& inv, const std::string& path) {
  if (!inv.args.positionals().empty()) {
    fmt::print(inv.err,
               "firedrill postmortem: --lint takes a file and no drill id (got \"{}\")\n"
               "Usage: firedrill postmortem --lint FILE\n",
               inv.args.positionals().front());
    return kExitUsage;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in || std::filesystem::is_directory(path)) {
    fmt::print(inv.err, "firedrill postmortem: cannot read {}\n", path);
    return kExitFailure;
  }
  std::string text = buf.str();
  std::vector<LintFinding> findings = LintPostmortem(text, ParticipantsInPostmortem(text));
  if (inv.args.Has("json")) {
    json::array arr;
    for (const LintFinding& f : findings) {
      arr.push_back(json::object{{"file", path},
                                 {"line", f.line},
                                 {"phrase", f.phrase},
                                 {"message", f.message},
                                 {"suggestion", f.suggestion}});
    }
    inv.out << PrettyJson(arr);
  } else {
    for (const LintFinding& f : findings) inv.out << FormatFinding(path, f) << "\n";
    if (findings.empty()) fmt::print(inv.out, "{}: no blaming phrases found\n", path);
  }
  if (findings.empty()) return kExitOk;
  fmt::print(inv.err, "firedrill postmortem: {} phrase{} to reframe in {}\n", findings.size(),
             findings.size() == 1 ? "" : "s", path);
  return kExitFailure;
}

int RunPostmortem(const Invocation& inv) {
  if (auto lint = inv.args.Value("lint")) return RunLint(inv, *lint);
  if (inv.args.positionals().size() != 1) {
    fmt::print(inv.err,
               "firedrill postmortem: missing drill id\nUsage: firedrill postmortem ID [--run "
               "RUN] [--format md|json|confluence]\n(see firedrill postmortem --help)\n");
    return kExitUsage;
  }
  auto format = FormatOf(inv, "postmortem", {"md", "json", "confluence"});
  if (!format) return kExitUsage;
  const std::string& id = inv.args.positionals().front();
  std::optional<std::string> run = inv.args.Value("run");
  int exit = kExitOk;
  std::optional<LoadedRun> loaded = LoadRun(inv, "postmortem", id, run, exit);
  if (!loaded) return exit;
  RunFacts facts = DeriveRunFacts(loaded->events);
  std::optional<DrillRecord> record;
  auto rec = DrillTable(loaded->db).GetDrill(facts.drill_id);
  if (rec.ok() && *rec) record = **rec;
  return Emit(inv, "postmortem",
              *format == "json"         ? PostmortemJson(facts, record)
              : *format == "confluence" ? PostmortemConfluence(facts, record)
                                        : PostmortemMarkdown(facts, record));
}

int RunHtmlReport(const Invocation& inv) {
  if (inv.args.positionals().size() != 1) {
    fmt::print(inv.err,
               "firedrill report: missing ID\nUsage: firedrill report ID --html FILE [--run RUN]\n"
               "(see firedrill report --help)\n");
    return kExitUsage;
  }
  std::optional<std::string> file = inv.args.Value("html");
  if (!file) {
    fmt::print(inv.err,
               "firedrill report: missing --html FILE (the file to write the report to)\n"
               "Usage: firedrill report ID --html FILE [--run RUN]\n");
    return kExitUsage;
  }
  const std::string& id = inv.args.positionals().front();
  int exit = kExitOk;
  std::optional<LoadedRun> loaded = LoadRun(inv, "report", id, inv.args.Value("run"), exit);
  if (!loaded) return exit;
  auto report = LoadRunReport(loaded->db, id, inv.args.Value("run"), NowUtc());
  if (!report.ok() || !*report) {
    fmt::print(inv.err, "firedrill: {}\n",
               report.ok() ? "the run vanished from the records" : report.error().ToString());
    return kExitStateError;
  }
  std::ofstream out(*file, std::ios::binary | std::ios::trunc);
  out << RunReportHtml(**report);
  out.close();
  if (!out) {
    fmt::print(inv.err, "firedrill report: cannot write {}\n", *file);
    return kExitFailure;
  }
  fmt::print(inv.err, "firedrill report: wrote {} (run {}, {} events)\n", *file,
             (*report)->facts.run_id, (*report)->events.size());
  return (*report)->verified ? kExitOk : kExitTampered;
}

int RunActions(const Invocation& inv) {
  if (inv.args.positionals().size() != 1) {
    fmt::print(inv.err,
               "firedrill actions: missing ID\nUsage: firedrill actions ID [--run RUN] [--file "
               "FILE] [--format text|jira-csv]\n(see firedrill actions --help)\n");
    return kExitUsage;
  }
  const std::string format = inv.args.Value("format").value_or("text");
  if (!inv.args.Value("jira") && inv.args.Value("project")) {
    fmt::print(inv.err, "firedrill actions: --project KEY goes with --jira URL\n");
    return kExitUsage;
  }
  if (format != "text" && format != "jira-csv") {
    fmt::print(inv.err, "firedrill actions: unknown --format \"{}\"; one of: text, jira-csv\n",
               format);
    return kExitUsage;
  }
  const std::string& id = inv.args.positionals().front();
  int exit = kExitOk;
  std::optional<LoadedRun> loaded = LoadRun(inv, "actions", id, inv.args.Value("run"), exit);
  if (!loaded) return exit;
  const RunFacts facts = DeriveRunFacts(loaded->events);
  const std::filesystem::path file = inv.args.Value("file").value_or(
      PostmortemPath(ResolveStateDir(inv.args.Value("state")), facts.run_id).string());
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(inv.err,
               "firedrill actions: cannot read the postmortem {} of run {} (firedrill writes it "
               "when a run ends; give the team's copy with --file FILE)\n",
               file.string(), facts.run_id);
    return kExitNotFound;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (inv.args.Value("jira")) return FileActionItemsInJira(inv, facts, file, text.str());
  const std::vector<ActionItem> items = ActionItemsOf(text.str());
  if (format == "jira-csv")
    return Emit(inv, "actions", JiraCsv(items, facts.drill_id, facts.run_id));
  std::string out;
  for (const ActionItem& a : items) {
    out += fmt::format("{}  [{}] {}{}{}\n", a.type.empty() ? "-" : a.type,
                       a.priority.empty() ? "-" : a.priority, a.action,
                       a.owner.empty() ? "" : "  (owner " + a.owner + ")",
                       a.due.empty() ? "" : "  due " + a.due);
  }
  if (items.empty()) {
    out = fmt::format("no action items in {} (the table under \"## Action items\" has none)\n",
                      file.string());
  }
  return Emit(inv, "actions", out);
}

int RunAudit(const Invocation& inv) {
  auto format = FormatOf(inv, "audit", {"md", "csv", "json", "junit"});
  if (!format) return kExitUsage;
  std::string table = inv.args.Value("table").value_or("runs");
  if (table != "runs" && table != "services" && table != "not-drilled") {
    fmt::print(inv.err,
               "firedrill audit: unknown --table \"{}\"; one of: runs, services, not-drilled\n",
               table);
    return kExitUsage;
  }
  // An option that would do nothing is an error, not silently ignored.
  if (inv.args.Value("table") && *format != "csv") {
    fmt::print(inv.err,
               "firedrill audit: --table chooses the table of --format csv; the {} report holds "
               "every table (add --format csv)\n",
               *format);
    return kExitUsage;
  }
  // The same period grammar as records list: a UTC day or an ISO-8601 time.
  std::optional<Period> read = ReadPeriod(inv);
  if (!read) return kExitUsage;
  AuditPeriod period;
  period.from = read->from;
  period.to = read->until;

  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  AuditReport report;
  report.period = period;
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.err, "no records yet: {} holds no {}\n", dir.string(), Database::kFileName);
  } else {
    auto db = Database::Open(dir, OpenMode::kReadOnly);
    if (!db.ok()) {
      fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
      return kExitStateError;
    }
    auto built = LoadAudit(*db, dir, period);
    if (!built.ok()) {
      fmt::print(inv.err, "firedrill: {}\n", built.error().ToString());
      return kExitStateError;
    }
    report = std::move(*built);
  }
  std::string text = *format == "junit"  ? AuditJunit(report.rows)
                     : *format == "json" ? AuditJson(report)
                     : *format == "csv"  ? AuditCsv(report, table)
                                         : AuditMarkdown(report);
  return Emit(inv, "audit", text);
}

}  // namespace

Command PostmortemCommand() {
  return Command{
      "postmortem",
      "firedrill postmortem ID [--run RUN] [--format md|json|confluence] [--json] [--output FILE] "
      "[--state DIR]\n       firedrill postmortem --lint FILE [--json]",
      "the blameless postmortem of a drill run, pre-filled from its records",
      "Renders the postmortem of the latest run of drill ID (or of run RUN; ID may also be a\n"
      "run id): header, summary and hypothesis, the faults and how they were undone, the\n"
      "timeline in UTC and in the drill's zone, TTD and TTR with their definitions against the\n"
      "objectives, error-budget context, the team's sections with guiding questions and the\n"
      "action-item table. A run the team did not recover says \"auto-restored at window end\"\n"
      "and has no TTR. Read-only: writes only to stdout or --output FILE.\n"
      "\n"
      "With --lint FILE, checks a completed postmortem for blaming phrases (\"human error\",\n"
      "\"X forgot\", \"X failed to\", \"X should have\", \"careless\", \"negligence\", "
      "participants\n"
      "named under Contributing factors) and prints FILE:LINE: message, with a reframing.\n"
      "\n"
      "Options:\n"
      "  --run RUN        a given run of drill ID (see firedrill records show ID)\n"
      "  --format FORMAT  md (default), json (the same content as structured fields), or\n"
      "                   confluence (a Confluence page body in storage format, laid out as\n"
      "                   Atlassian's postmortem template)\n"
      "  --json           same as --format json; with --lint, findings as a JSON array\n"
      "  --output FILE    write to FILE instead of stdout\n"
      "  --lint FILE      lint a postmortem instead of rendering one\n"
      "\n"
      "Examples:\n"
      "  firedrill postmortem checkout-db-blackhole > postmortem.md\n"
      "  firedrill postmortem checkout-db-blackhole --run checkout-db-blackhole-1786... --json\n"
      "  firedrill postmortem --lint postmortem.md\n"
      "\n"
      "Exit status: 0; 1 if --lint flagged something (or FILE cannot be read or written);\n"
      "2 for wrong usage; 4 if the records cannot be read; 7 if no such drill or run.\n",
      ArgSpec{{"json"}, {"run", "format", "output", "lint"}, 0, 1},
      RunPostmortem};
}

Command ReportCommand() {
  return Command{
      "report",
      "firedrill report ID --html FILE [--run RUN] [--state DIR]",
      "one drill run as a single self-contained HTML file, to archive or print",
      "Writes the latest run of drill ID (or run RUN; ID may also be a run id) as one HTML file:\n"
      "the drill and its outcome, T0, TTD and TTR against the objectives (met or missed in\n"
      "words), the timeline as a picture (the window, injection, detection, recovery, restore,\n"
      "each probe's red periods, alerts and acks), the faults and how each was undone, the\n"
      "participants, every event of the run with the verification of the record's hash chain,\n"
      "and the postmortem draft. The file holds its style and pictures inline and loads\n"
      "nothing (its Content-Security-Policy forbids scripts and requests), so it can be\n"
      "archived as it is and printed to PDF from a browser. Reads the records only.\n"
      "\n"
      "Options:\n"
      "  --html FILE   the file to write (required)\n"
      "  --run RUN     a given run of drill ID (see firedrill records show ID)\n"
      "\n"
      "Examples:\n"
      "  firedrill report checkout-db-blackhole --html checkout-drill.html\n"
      "\n"
      "Exit status: 0; 1 if FILE cannot be written; 2 for wrong usage; 4 if the records cannot\n"
      "be read; 5 if the record's hash chain does not verify (the report is written and says\n"
      "so); 7 if no such drill or run.\n",
      ArgSpec{{}, {"run", "html"}, 1, 1},
      RunHtmlReport};
}

Command ActionsCommand() {
  return Command{
      "actions",
      "firedrill actions ID [--run RUN] [--file FILE] [--format text|jira-csv] [--output FILE] "
      "[--jira URL --project KEY [--credentials-file F] [--by NAME]] [--state DIR]",
      "the action items of a drill's postmortem, as a list or for Jira's CSV import",
      "Reads the action items the team wrote into the postmortem of the latest run of drill ID\n"
      "(or of run RUN): the rows of the table under \"## Action items\" in\n"
      "STATE/postmortems/RUN.md, or in FILE with --file (the team's copy, if they edit it\n"
      "elsewhere). Rows without an action are left out.\n"
      "\n"
      "With --format jira-csv, writes them in the shape of Jira's CSV import (Summary,\n"
      "Description, Issue Type, Priority, Assignee, Due date, Labels): one Task per item, the\n"
      "priority when it is one of Jira's (P1 to P5 map onto Highest to Lowest), the owner as\n"
      "assignee, and the labels firedrill, drill-ID and the item's type. In Jira: System > "
      "External\n"
      "System Import > CSV, with the date format yyyy-MM-dd. Reads only.\n"
      "\n"
      "With --jira URL --project KEY, files them as issues through Jira's REST API\n"
      "(URL/rest/api/2): one Task per item whose Ticket cell is empty, labelled so that it is\n"
      "filed once (an item filed before is found, not filed again), with its key written into\n"
      "the Ticket cell of the postmortem file and each filing recorded in the drill's record.\n"
      "Credentials from $FIREDRILL_JIRA_CREDENTIALS or --credentials-file F: EMAIL:API_TOKEN\n"
      "(Jira Cloud) or a personal access token (Data Center); never on the command line.\n"
      "\n"
      "Options:\n"
      "  --run RUN        a given run of drill ID (see firedrill records show ID)\n"
      "  --file FILE      read the postmortem from FILE instead of the state directory\n"
      "  --format FORMAT  text (default: one line per item) or jira-csv\n"
      "  --output FILE    write to FILE instead of stdout\n"
      "  --jira URL       file the items in Jira at URL (https://SITE.atlassian.net, or the\n"
      "                   Data Center address with its context path)\n"
      "  --project KEY    the Jira project of the issues, e.g. OPS\n"
      "  --credentials-file F  read the Jira credentials from F instead of the environment\n"
      "  --by NAME        who filed them, for the record (default: firedrill actions)\n"
      "\n"
      "Examples:\n"
      "  firedrill actions checkout-db-blackhole\n"
      "  firedrill actions checkout-db-blackhole --format jira-csv --output actions.csv\n"
      "\n"
      "Exit status: 0; 1 if --output cannot be written, or Jira refused an item (the others\n"
      "are filed); 2 for wrong usage or no credentials; 4 if the records cannot be read or\n"
      "written; 7 if no such drill or run, or its postmortem file cannot be read.\n",
      ArgSpec{{},
              {"run", "file", "format", "output", "jira", "project", "credentials-file", "by"},
              1,
              1},
      RunActions};
}

Command AuditCommand() {
  return Command{
      "audit",
      "firedrill audit [--from DATE] [--to DATE] [--format md|csv|json|junit] [--json] "
      "[--table runs|services|not-drilled] [--output FILE] [--state DIR]",
      "per-run compliance and per-service figures for auditors",
      "For every drill run whose window starts in the period: announced in time, briefed,\n"
      "window respected, faults injected and all restored (verified), who recovered (team,\n"
      "auto-restored, aborted), TTD and TTR against the objectives, and whether a postmortem\n"
      "exists (<state>/postmortems/<run id>.md). Then per service and quarter: runs, drills,\n"
      "median and p90 TTD and TTR, the share auto-restored, and the services of the drills\n"
      "table that were not drilled in the period. Read-only. Definitions: docs/audit-report.md.\n"
      "\n"
      "Options:\n"
      "  --from DATE      the period starts at DATE; default: the first record\n"
      "  --to DATE        the period ends with DATE (a date includes the whole day); default:\n"
      "                   the last record. DATE: 2027-03-31 (UTC) or an ISO-8601 time such as\n"
      "                   2027-03-31T14:00:00Z or 2027-03-31T16:00+02:00\n"
      "  --format FORMAT  md (default), csv, json, or junit (each run a JUnit test suite, each\n"
      "                   objective a test case, for a CI server)\n"
      "  --json           same as --format json\n"
      "  --table TABLE    with --format csv: runs (default), services or not-drilled\n"
      "  --output FILE    write to FILE instead of stdout\n"
      "\n"
      "Examples:\n"
      "  firedrill audit --from 2027-01-01 --to 2027-03-31\n"
      "  firedrill audit --format csv --table services > services.csv\n"
      "  firedrill audit --json | jq '.runs[] | select(.faults.all_restored_verified | not)'\n"
      "\n"
      "Exit status: 0; 1 if --output cannot be written; 2 for wrong usage; 4 if the records\n"
      "cannot be read.\n",
      ArgSpec{{"json"}, {"from", "to", "format", "table", "output"}, 0, 0},
      RunAudit};
}

}  // namespace firedrill
