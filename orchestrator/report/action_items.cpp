#include "orchestrator/report/action_items.h"

#include <fmt/format.h>

#include <array>
#include <cctype>

#include "orchestrator/store/record_export.h"

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

}  // namespace

std::vector<ActionItem> ActionItemsOf(std::string_view markdown) {
  std::vector<ActionItem> items;
  bool in_section = false;
  bool in_table = false;
  std::size_t row = 0;
  while (!markdown.empty()) {
    const std::size_t end = markdown.find('\n');
    std::string_view line = markdown.substr(0, end);
    markdown.remove_prefix(end == std::string_view::npos ? markdown.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with("## ")) {
      in_section = Trim(line.substr(3)) == "Action items";
      in_table = false;
      row = 0;
      continue;
    }
    if (!in_section) continue;
    if (!Trim(line).starts_with('|')) {
      if (in_table) in_section = false;  // the table ended
      continue;
    }
    in_table = true;
    if (row++ < 2) continue;  // the header and the |---| line
    std::vector<std::string> c = Cells(line);
    c.resize(6);
    if (c[1].empty()) continue;
    items.push_back(ActionItem{c[0], c[1], c[2], c[3], c[4], c[5]});
  }
  return items;
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
