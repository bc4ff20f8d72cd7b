#include "orchestrator/console/markdown_view.h"

#include <fmt/format.h>

#include <vector>

#include "orchestrator/report/markup.h"

namespace firedrill {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The inline elements of one line of text: `code`, **bold**, _emphasis_, <https://autolink>;
// everything else escaped.
std::string Inline(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  auto closed = [&](std::string_view mark, std::size_t from) { return s.find(mark, from); };
  while (i < s.size()) {
    if (s[i] == '`') {
      std::size_t end = closed("`", i + 1);
      if (end != std::string_view::npos) {
        out += "<code>" + Escape(s.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    } else if (StartsWith(s.substr(i), "**")) {
      std::size_t end = closed("**", i + 2);
      if (end != std::string_view::npos && end > i + 2) {
        out += "<strong>" + Inline(s.substr(i + 2, end - i - 2)) + "</strong>";
        i = end + 2;
        continue;
      }
    } else if (s[i] == '_' && (i == 0 || s[i - 1] == ' ')) {
      std::size_t end = closed("_", i + 1);
      if (end != std::string_view::npos && end > i + 1 &&
          (end + 1 == s.size() || s[end + 1] == ' ' || s[end + 1] == '.' || s[end + 1] == ',')) {
        out += "<em>" + Inline(s.substr(i + 1, end - i - 1)) + "</em>";
        i = end + 1;
        continue;
      }
    } else if (s[i] == '<') {
      std::size_t end = closed(">", i + 1);
      if (end != std::string_view::npos) {
        std::string url = SafeHref(s.substr(i + 1, end - i - 1));
        if (!url.empty()) {
          out += "<a href=\"" + Escape(url) + "\">" + Escape(url) + "</a>";
          i = end + 1;
          continue;
        }
      }
    } else if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '|') {
      out += "|";
      i += 2;
      continue;
    }
    std::size_t next = s.find_first_of("`*_<\\", i + 1);
    if (next == std::string_view::npos) next = s.size();
    out += Escape(s.substr(i, next - i));
    i = next;
  }
  return out;
}

// The cells of a table row "| a | b \| c |": split on '|' not escaped by a backslash.
std::vector<std::string_view> Cells(std::string_view row) {
  if (StartsWith(row, "|")) row.remove_prefix(1);
  if (!row.empty() && row.back() == '|' && (row.size() < 2 || row[row.size() - 2] != '\\')) {
    row.remove_suffix(1);
  }
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || (row[i] == '|' && (i == 0 || row[i - 1] != '\\'))) {
      std::string_view cell = row.substr(start, i - start);
      while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
      while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
      cells.push_back(cell);
      start = i + 1;
    }
  }
  return cells;
}

bool Separator(std::string_view row) {
  for (char c : row) {
    if (c != '|' && c != '-' && c != ':' && c != ' ') return false;
  }
  return row.find('-') != std::string_view::npos;
}

}  // namespace

std::string MarkdownHtml(std::string_view md) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= md.size();) {
    std::size_t end = md.find('\n', start);
    if (end == std::string_view::npos) end = md.size();
    std::string_view line = md.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  std::string out;
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) out += "<p>" + paragraph + "</p>\n";
    paragraph.clear();
  };
  std::size_t i = 0;
  while (i < lines.size()) {
    std::string_view l = lines[i];
    if (l.empty()) {
      flush();
      ++i;
      continue;
    }
    std::size_t hashes = 0;
    while (hashes < l.size() && hashes < 6 && l[hashes] == '#') ++hashes;
    if (hashes > 0 && hashes < l.size() && l[hashes] == ' ') {
      flush();
      // One level down: the page has its own <h1>.
      int level = static_cast<int>(std::min<std::size_t>(hashes + 1, 6));
      out += fmt::format("<h{0}>{1}</h{0}>\n", level, Inline(l.substr(hashes + 1)));
      ++i;
      continue;
    }
    if (StartsWith(l, "|")) {
      flush();
      out += "<div class=\"scroll\"><table>";
      bool header = i + 1 < lines.size() && Separator(lines[i + 1]);
      while (i < lines.size() && StartsWith(lines[i], "|")) {
        if (Separator(lines[i])) {
          ++i;
          continue;
        }
        const char* cell = header ? "th" : "td";
        out += "<tr>";
        for (std::string_view c : Cells(lines[i])) {
          out += fmt::format("<{0}>{1}</{0}>", cell, Inline(c));
        }
        out += "</tr>";
        header = false;
        ++i;
      }
      out += "</table></div>\n";
      continue;
    }
    if (StartsWith(l, "- ") || StartsWith(l, "* ")) {
      flush();
      out += "<ul>";
      while (i < lines.size() && (StartsWith(lines[i], "- ") || StartsWith(lines[i], "* "))) {
        out += "<li>" + Inline(lines[i].substr(2)) + "</li>";
        ++i;
      }
      out += "</ul>\n";
      continue;
    }
    if (StartsWith(l, "> ") || l == ">") {
      flush();
      out += "<blockquote>";
      while (i < lines.size() && (StartsWith(lines[i], "> ") || lines[i] == ">")) {
        out += Inline(lines[i].substr(std::min<std::size_t>(2, lines[i].size()))) + " ";
        ++i;
      }
      out += "</blockquote>\n";
      continue;
    }
    if (!paragraph.empty()) paragraph += " ";
    paragraph += Inline(l);
    ++i;
  }
  flush();
  return out;
}

}  // namespace firedrill
