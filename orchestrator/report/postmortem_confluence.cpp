#include "orchestrator/report/postmortem_confluence.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "drills/duration.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/report/markup.h"
#include "orchestrator/report/postmortem.h"

namespace firedrill {
namespace {

namespace json = boost::json;

const json::array& Arr(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

std::string Ms(const json::value* v) {
  if (v == nullptr || !v->is_int64()) return "";
  return FormatDuration(std::chrono::milliseconds(v->as_int64()));
}

std::string P(std::string_view text) { return "<p>" + Escape(text) + "</p>"; }

std::string Td(std::string_view text) { return "<td>" + Escape(text) + "</td>"; }

// A status lozenge: the verdict in words, coloured as Confluence colours them.
std::string Lozenge(std::string_view verdict) {
  const char* colour = verdict == "met"           ? "Green"
                       : verdict == "missed"      ? "Red"
                       : verdict == "not reached" ? "Yellow"
                                                  : "Grey";
  std::string title(verdict);
  for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return fmt::format(
      "<ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\">"
      "<ac:parameter ac:name=\"colour\">{}</ac:parameter>"
      "<ac:parameter ac:name=\"title\">{}</ac:parameter></ac:structured-macro>",
      colour, Escape(title));
}

// The guidance of a team section: its questions, in italics, for the team to answer below.
std::string Questions(const json::object& section) {
  std::string out;
  for (const json::value& q : Arr(section, "questions")) {
    if (q.is_string()) out += "<p><em>" + Escape(q.as_string()) + "</em></p>";
  }
  return out;
}

std::string Recorded(const json::object& section) {
  const json::array& lines = Arr(section, "recorded");
  if (lines.empty()) return "";
  std::string out = "<p>From the record:</p><ul>";
  for (const json::value& l : lines) {
    if (l.is_string()) out += "<li>" + Escape(l.as_string()) + "</li>";
  }
  return out + "</ul>";
}

const json::object* Section(const json::object& pm, std::string_view key) {
  for (const json::value& s : Arr(pm, "sections")) {
    if (s.is_object() && StringField(s.as_object(), "key") == key) return &s.as_object();
  }
  return nullptr;
}

// The metrics whose key starts with `prefix` ("ttd", "ttr") as a table with lozenges.
std::string MetricsTable(const json::object& pm, std::string_view prefix) {
  std::string out =
      "<table><tbody><tr><th>Metric</th><th>Measured</th><th>Objective</th><th>Verdict</th>"
      "<th>Definition</th></tr>";
  const json::value* metrics = pm.if_contains("metrics");
  if (metrics == nullptr || !metrics->is_object()) return out + "</tbody></table>";
  for (const json::value& m : Arr(metrics->as_object(), "items")) {
    if (!m.is_object()) continue;
    const json::object& o = m.as_object();
    if (!StringField(o, "key").starts_with(prefix)) continue;
    std::string measured = Ms(o.if_contains("measured_ms"));
    if (measured.empty())
      measured = StringField(o, "note").empty() ? "not reached" : StringField(o, "note");
    std::string objective = Ms(o.if_contains("objective_ms"));
    out += "<tr>" + Td(StringField(o, "name")) + Td(measured) +
           Td(objective.empty() ? "none" : objective) + "<td>" +
           Lozenge(StringField(o, "verdict")) + "</td>" + Td(StringField(o, "definition")) +
           "</tr>";
  }
  return out + "</tbody></table>";
}

std::string SectionHtml(const json::object& pm, std::string_view key, std::string_view title) {
  const json::object* s = Section(pm, key);
  if (s == nullptr) return "";
  return "<h2>" + Escape(title) + "</h2>" + Recorded(*s) + Questions(*s) + "<p></p>";
}

}  // namespace

std::string PostmortemConfluence(const RunFacts& facts, const std::optional<DrillRecord>& record) {
  const json::object pm = PostmortemObject(facts, record);
  const json::object drill = pm.contains("drill") && pm.at("drill").is_object()
                                 ? pm.at("drill").as_object()
                                 : json::object();
  const json::object outcome = pm.contains("outcome") && pm.at("outcome").is_object()
                                   ? pm.at("outcome").as_object()
                                   : json::object();
  std::string h;
  h += "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\">"
       "<ac:parameter ac:name=\"title\">This was a drill</ac:parameter><ac:rich-text-body>" +
       P("A planned fire drill run by firedrill in an announced window, not a real incident. " +
         StringField(pm, "blameless")) +
       "</ac:rich-text-body></ac:structured-macro>";

  h += "<h2>Incident summary</h2>" + P(StringField(pm, "summary"));
  h += "<table><tbody>";
  auto row = [&](std::string_view name, std::string_view value) {
    h += "<tr><th>" + Escape(name) + "</th>" + Td(value) + "</tr>";
  };
  row("Drill", StringField(drill, "id") + ": " + StringField(drill, "title"));
  row("Service", StringField(drill, "service"));
  row("Owner", StringField(drill, "owner"));
  row("Run", StringField(pm, "run"));
  row("Date", StringField(pm, "date"));
  row("T0", StringField(pm, "t0").empty() ? "no fault was injected" : StringField(pm, "t0"));
  row("Outcome", StringField(outcome, "code") + ": " + StringField(outcome, "text"));
  row("Playbook", StringField(drill, "playbook"));
  row("Status", StringField(pm, "status"));
  h += "</tbody></table>";

  h += "<h2>Leadup</h2>";
  h += P("Hypothesis: " + (StringField(drill, "hypothesis").empty()
                               ? std::string("(none written)")
                               : StringField(drill, "hypothesis")));
  h +=
      P("Drill file: " + StringField(drill, "file") + " (zone " + StringField(drill, "zone") + ")");
  if (const json::value* p = pm.if_contains("participants"); p != nullptr && p->is_array()) {
    h += "<p>Participants:</p><ul>";
    for (const json::value& v : p->as_array()) {
      if (!v.is_object()) continue;
      const json::object& o = v.as_object();
      std::string actions;
      for (const json::value& a : Arr(o, "actions")) {
        if (a.is_string()) actions += (actions.empty() ? "" : "; ") + std::string(a.as_string());
      }
      h += "<li>" +
           Escape(StringField(o, "name") + " (" + StringField(o, "role") + ")" +
                  (actions.empty() ? "" : ": " + actions)) +
           "</li>";
    }
    h += "</ul>";
  }

  h += "<h2>Fault</h2><table><tbody><tr><th>Fault</th><th>Kind</th><th>Target</th>"
       "<th>What it does</th><th>Injected</th><th>Restored</th></tr>";
  for (const json::value& v : Arr(pm, "faults")) {
    if (!v.is_object()) continue;
    const json::object& f = v.as_object();
    const json::value* restored = f.if_contains("restored");
    const json::value* verified = f.if_contains("verified");
    const bool ok = restored != nullptr && restored->is_bool() && restored->as_bool();
    const bool checked = verified != nullptr && verified->is_bool() && verified->as_bool();
    h += "<tr>" + Td(StringField(f, "id")) + Td(StringField(f, "kind")) +
         Td(StringField(f, "target")) + Td(StringField(f, "params")) +
         Td(StringField(f, "injected_at")) +
         Td(ok ? std::string(checked ? "restored and verified" : "restored (not verified)") +
                     " at " + StringField(f, "restored_at") + " by " + StringField(f, "restored_by")
               : std::string("NOT restored")) +
         "</tr>";
  }
  h += "</tbody></table>";

  h += "<h2>Impact</h2>";
  if (const json::value* slo = pm.if_contains("slo"); slo != nullptr && slo->is_object()) {
    h += P(StringField(slo->as_object(), "text"));
  }

  h += "<h2>Detection</h2>" + MetricsTable(pm, "ttd");
  if (const json::object* s = Section(pm, "detection"))
    h += Recorded(*s) + Questions(*s) + "<p></p>";
  h += SectionHtml(pm, "response", "Response");
  h += "<h2>Recovery</h2>" + MetricsTable(pm, "ttr");
  if (const json::object* s = Section(pm, "recovery"))
    h += Recorded(*s) + Questions(*s) + "<p></p>";

  h += "<h2>Timeline</h2><table><tbody><tr><th>Time (UTC)</th><th>Local</th><th>Since T0</th>"
       "<th>Event</th><th>Who</th></tr>";
  for (const json::value& v : Arr(pm, "timeline")) {
    if (!v.is_object()) continue;
    const json::object& e = v.as_object();
    std::string since;
    if (const json::value* ms = e.if_contains("since_t0_ms"); ms != nullptr && ms->is_int64()) {
      since = SinceT0(std::chrono::milliseconds(ms->as_int64()));
    }
    h += "<tr>" + Td(StringField(e, "ts")) + Td(StringField(e, "local")) + Td(since) +
         Td(StringField(e, "text")) + Td(StringField(e, "actor")) + "</tr>";
  }
  h += "</tbody></table>";

  h += "<h2>Contributing factors</h2>";
  if (const json::object* s = Section(pm, "contributing_factors"))
    h += Recorded(*s) + Questions(*s);
  h += "<h3>Five whys</h3><ol><li>Why? </li><li>Why? </li><li>Why? </li><li>Why? </li>"
       "<li>Why? </li></ol>";
  h += SectionHtml(pm, "went_well", "What went well");
  h += SectionHtml(pm, "went_wrong", "What went wrong");
  h += SectionHtml(pm, "got_lucky", "Where we got lucky");
  h += SectionHtml(pm, "playbook_gaps", "Playbook gaps");
  h += SectionHtml(pm, "drill_feedback", "Feedback on the drill itself");

  h += "<h2>Action items</h2><table><tbody><tr><th>Type</th><th>Action</th><th>Owner</th>"
       "<th>Priority</th><th>Due</th><th>Ticket</th></tr>";
  for (const json::value& v : Arr(pm, "action_items")) {
    if (!v.is_object()) continue;
    const json::object& a = v.as_object();
    h += "<tr>" + Td(StringField(a, "type")) + Td(StringField(a, "action")) +
         Td(StringField(a, "owner")) + Td(StringField(a, "priority")) + Td(StringField(a, "due")) +
         Td(StringField(a, "ticket")) + "</tr>";
  }
  h += "<tr><td></td><td></td><td></td><td></td><td></td><td></td></tr></tbody></table>";
  return h + "\n";
}

}  // namespace firedrill
