#include "tests/support/doc_output.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

namespace firedrill::testing {

namespace fs = std::filesystem;

namespace {

std::string TrimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

// The annotation of a block whose fence follows `above`: {"output", NAME}, {"not-output",
// REASON}, or empty.
std::pair<std::string, std::string> Annotation(const std::string& above) {
  for (const char* kind : {"output", "not-output"}) {
    const std::string open = std::string("<!-- ") + kind + ": ";
    if (above.rfind(open, 0) == 0 && above.size() > open.size() + 4 &&
        above.compare(above.size() - 4, 4, " -->") == 0) {
      return {kind, above.substr(open.size(), above.size() - open.size() - 4)};
    }
  }
  return {};
}

void ReadBlocks(const fs::path& file, const std::string& relative, std::vector<DocBlock>& out) {
  std::ifstream in(file);
  std::string line;
  std::string above;
  int number = 0;
  bool in_text = false;
  bool in_other = false;
  while (std::getline(in, line)) {
    ++number;
    line = TrimRight(line);
    if (line.rfind("```", 0) == 0) {
      if (in_text || in_other) {
        in_text = in_other = false;
      } else if (line == "```text") {
        in_text = true;
        auto [annotation, name] = Annotation(above);
        out.push_back(DocBlock{relative, number, annotation, name, {}});
      } else {
        in_other = true;
      }
    } else if (in_text) {
      out.back().lines.push_back(line);
    }
    if (!line.empty()) above = line;
  }
}

bool IsUnit(const std::string& s, std::size_t i, std::size_t& length) {
  if (s.compare(i, 2, "ms") == 0) {
    length = 2;
  } else if (i < s.size() && (s[i] == 's' || s[i] == 'm' || s[i] == 'h' || s[i] == 'd')) {
    length = 1;
  } else {
    return false;
  }
  // A unit ends the word ("5m", "2m05s"), or another number follows it.
  const std::size_t after = i + length;
  return after == s.size() || std::isalpha(static_cast<unsigned char>(s[after])) == 0;
}

}  // namespace

std::vector<DocBlock> DocBlocks() {
  const fs::path source(FIREDRILL_SOURCE_DIR);
  std::vector<DocBlock> blocks;
  ReadBlocks(source / "README.md", "README.md", blocks);
  std::vector<fs::path> docs;
  for (const auto& entry : fs::directory_iterator(source / "docs")) {
    if (entry.path().extension() == ".md") docs.push_back(entry.path());
  }
  std::sort(docs.begin(), docs.end());
  for (const fs::path& doc : docs) ReadBlocks(doc, "docs/" + doc.filename().string(), blocks);
  return blocks;
}

std::string DocLinePattern(const std::string& line) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{}/)";
  const std::string duration = R"(\d+(?:(?:ms|[smhd])\d*)*(?:ms|[smhd])?)";
  std::string pattern;
  std::size_t i = 0;
  // Leading indentation is literal.
  while (i < line.size() && line[i] == ' ') {
    pattern += ' ';
    ++i;
  }
  while (i < line.size()) {
    const char c = line[i];
    if (line.compare(i, 3, "...") == 0) {
      pattern += ".*";
      i += 3;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      std::size_t j = i;
      while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j])) != 0) ++j;
      std::size_t unit = 0;
      if (IsUnit(line, j, unit)) {
        // A duration: "2s438ms", "2m05s", "3d".
        while (j < line.size() &&
               (std::isdigit(static_cast<unsigned char>(line[j])) != 0 || IsUnit(line, j, unit))) {
          j += std::isdigit(static_cast<unsigned char>(line[j])) != 0 ? 1 : unit;
        }
        pattern += duration;
      } else {
        pattern += R"(\d+)";
      }
      i = j;
    } else if (c == ' ' && i + 1 < line.size() && line[i + 1] == ' ') {
      while (i < line.size() && line[i] == ' ') ++i;
      pattern += " +";
    } else {
      if (kSpecial.find(c) != std::string::npos) pattern += '\\';
      pattern += c;
      ++i;
    }
  }
  return pattern;
}

void CheckDocOutput(const std::string& name, const std::string& actual,
                    const std::vector<std::pair<std::string, std::string>>& names) {
  const DocBlock* block = nullptr;
  const std::vector<DocBlock> blocks = DocBlocks();
  for (const DocBlock& b : blocks) {
    if (b.annotation == "output" && b.name == name) block = &b;
  }
  INFO("quoted output \"" << name << "\"");
  REQUIRE(block != nullptr);
  std::vector<std::string> lines;
  std::istringstream in(actual);
  for (std::string line; std::getline(in, line);) lines.push_back(TrimRight(line));
  std::size_t next = 0;
  for (std::size_t k = 0; k < block->lines.size(); ++k) {
    std::string quoted = block->lines[k];
    for (const auto& [from, to] : names) {
      for (std::size_t at = quoted.find(from); at != std::string::npos;
           at = quoted.find(from, at + to.size())) {
        quoted.replace(at, from.size(), to);
      }
    }
    if (quoted.empty()) continue;
    const std::regex pattern(DocLinePattern(quoted));
    std::size_t found = next;
    while (found < lines.size() && !std::regex_match(lines[found], pattern)) ++found;
    INFO(block->file << ":" << block->line + 1 + static_cast<int>(k) << " quotes: " << quoted);
    INFO("the program printed:\n" << actual);
    CHECK(found < lines.size());
    if (found == lines.size()) return;
    next = found + 1;
  }
}

}  // namespace firedrill::testing
