#include "orchestrator/report/action_items.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <span>

#include "orchestrator/store/record_export.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// The cells of a Markdown table row "| a | b \| c |": {"a", "b | c"}.
std::vector<std::string> Cells(std::string_view row) {
  row = Trim(row);
  if (row.starts_with('|')) row.remove_prefix(1);
  if (row.ends_with('|') && !row.ends_with("\\|")) row.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      cells.emplace_back(Trim(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  cells.emplace_back(Trim(cell));
  return cells;
}

std::string JiraPriority(std::string_view p) {
  static constexpr std::array<const char*, 5> kNames = {"Highest", "High", "Medium", "Low",
                                                        "Lowest"};
  std::string lower;
  for (char c : p) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    std::string name = kNames[i];
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name || lower == fmt::format("p{}", i + 1)) return kNames[i];
  }
  return "";
}

std::string Label(std::string_view text) {
  std::string out;
  for (char c : text) out += std::isspace(static_cast<unsigned char>(c)) != 0 ? '-' : c;
  return out;
}

// Calls `row(line, cells)` for each data row of the "## Action items" table, in order (the
// header and its |---| line left out), and `other(line)` for every other line. Lines keep their
// '\r', if any; cells are read without it.
template <typename Row, typename Other>
void WalkActionTable(std::string_view markdown, Row row_fn, Other other_fn) {
  bool in_section = false;
  bool in_table = false;
  std::size_t row = 0;
  while (!markdown.empty()) {
    const std::size_t end = markdown.find('\n');
    const std::string_view raw = markdown.substr(0, end);
    const bool had_newline = end != std::string_view::npos;
    markdown.remove_prefix(had_newline ? end + 1 : markdown.size());
    std::string_view line = raw;
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto pass = [&] { other_fn(raw, had_newline); };
    if (line.starts_with("## ")) {
      in_section = Trim(line.substr(3)) == "Action items";
      in_table = false;
      row = 0;
      pass();
      continue;
    }
    if (!in_section || !Trim(line).starts_with('|')) {
      if (in_section && in_table) in_section = false;  // the table ended
      pass();
      continue;
    }
    in_table = true;
    if (row++ < 2) {  // the header and the |---| line
      pass();
      continue;
    }
    row_fn(raw, had_newline, Cells(line));
  }
}

}  // namespace

std::vector<ActionItem> ActionItemsOf(std::string_view markdown) {
  std::vector<ActionItem> items;
  WalkActionTable(
      markdown,
      [&items](std::string_view, bool, std::vector<std::string> c) {
        c.resize(6);
        if (!c[1].empty()) items.push_back(ActionItem{c[0], c[1], c[2], c[3], c[4], c[5]});
      },
      [](std::string_view, bool) {});
  return items;
}

std::string WithTickets(std::string_view markdown, const std::vector<std::string>& tickets) {
  std::string out;
  std::size_t item = 0;
  WalkActionTable(
      markdown,
      [&](std::string_view raw, bool newline, std::vector<std::string> c) {
        c.resize(std::max<std::size_t>(c.size(), 6));
        const bool is_item = !c[1].empty();
        if (is_item && item < tickets.size() && !tickets[item].empty()) {
          c[4] = tickets[item];
          std::string row = "|";
          for (const std::string& cell : c) {
            std::string escaped;
            for (char ch : cell) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
            row += " " + escaped + " |";
          }
          out += row;
          if (raw.ends_with('\r')) out += '\r';
        } else {
          out += raw;
        }
        if (newline) out += '\n';
        if (is_item) ++item;
      },
      [&out](std::string_view raw, bool newline) {
        out += raw;
        if (newline) out += '\n';
      });
  return out;
}

std::string ActionItemLabel(const ActionItem& item, const std::string& run_id) {
  const std::string text = run_id + "\n" + item.type + "\n" + item.action;
  auto digest = Sha256Hex(text);
  if (!digest.ok()) return "firedrill-item-unhashed";
  return "firedrill-item-" + digest->substr(0, 12);
}

boost::json::object JiraIssueFields(const ActionItem& item, const std::string& drill_id,
                                    const std::string& run_id, const std::string& label) {
  boost::json::array labels{"firedrill", Label("drill-" + drill_id)};
  if (!item.type.empty()) labels.emplace_back(Label(item.type));
  labels.emplace_back(label);
  boost::json::object fields{
      {"summary", item.action},
      {"description",
       fmt::format("Action item ({}) from the postmortem of drill {}, run {} (firedrill).{}",
                   item.type.empty() ? "no type" : item.type, drill_id, run_id,
                   item.owner.empty() ? "" : " Owner: " + item.owner + ".")},
      {"issuetype", {{"name", "Task"}}},
      {"labels", labels}};
  if (std::string p = JiraPriority(item.priority); !p.empty()) {
    fields["priority"] = {{"name", p}};
  }
  const std::string& due = item.due;
  if (due.size() == 10 && due[4] == '-' && due[7] == '-' &&
      std::all_of(due.begin(), due.end(),
                  [](char c) { return c == '-' || std::isdigit(static_cast<unsigned char>(c)); })) {
    fields["duedate"] = due;
  }
  return fields;
}

std::string JiraCsv(const std::vector<ActionItem>& items, const std::string& drill_id,
                    const std::string& run_id) {
  std::string out =
      "Summary,Description,Issue Type,Priority,Assignee,Due date,Labels,Labels,"
      "Labels\r\n";
  for (const ActionItem& a : items) {
    const std::string description =
        fmt::format("Action item ({}) from the postmortem of drill {}, run {} (firedrill).{}",
                    a.type.empty() ? "no type" : a.type, drill_id, run_id,
                    a.ticket.empty() ? "" : " Ticket: " + a.ticket + ".");
    out +=
        fmt::format("{},{},Task,{},{},{},firedrill,{},{}\r\n", CsvField(a.action),
                    CsvField(description), JiraPriority(a.priority), CsvField(a.owner),
                    CsvField(a.due), CsvField(Label("drill-" + drill_id)), CsvField(Label(a.type)));
  }
  return out;
}

}  // namespace firedrill
