// The commands quoted in the docs are commands firedrill takes: every `firedrill ...` line of a
// shell block in README.md and docs/*.md names an existing command, and every option it writes
// is one that command accepts. The docs cannot drift from the command table unnoticed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

struct Quoted {
  std::string file;
  int line = 0;
  std::string text;  ///< continuation lines joined
};

// Every line of a ```sh, ```shell or ```bash block of `file` that runs firedrill (after any
// VAR=value prefixes), continuation lines (ending in '\') joined.
std::vector<Quoted> QuotedCommands(const fs::path& file) {
  std::ifstream in(file);
  std::vector<Quoted> out;
  std::string line;
  bool in_shell = false;
  bool in_other = false;
  int number = 0;
  Quoted pending;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      if (in_shell || in_other) {
        in_shell = in_other = false;
      } else {
        const std::string lang = line.substr(3);
        in_shell = lang == "sh" || lang == "shell" || lang == "bash";
        in_other = !in_shell;
      }
      continue;
    }
    if (!in_shell) continue;
    if (!pending.text.empty()) {
      pending.text += " " + line;
    } else {
      pending = Quoted{file.filename().string(), number, line};
    }
    if (!line.empty() && line.back() == '\\') {
      pending.text.pop_back();
      continue;
    }
    out.push_back(pending);
    pending = Quoted{};
  }
  return out;
}

// The words of `text` up to a comment, pipe, redirection or command separator; quotes kept
// together (and removed).
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  bool have = false;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      have = true;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (have) words.push_back(word);
      word.clear();
      have = false;
      continue;
    }
    if ((c == '#' && !have) || c == '|' || c == '>' || c == ';' || c == '&' || c == '<') break;
    word.push_back(c);
    have = true;
  }
  if (have) words.push_back(word);
  return words;
}

const Command* FindCommand(const std::vector<std::string>& words, std::size_t at,
                           std::size_t& used) {
  for (std::size_t n : {2, 1}) {
    if (at + n > words.size()) continue;
    std::string name = words[at];
    if (n == 2) name += " " + words[at + 1];
    for (const Command& c : Commands()) {
      if (c.name == name) {
        used = n;
        return &c;
      }
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("every firedrill command quoted in the docs exists and takes the options it shows",
          "[cli][docs]") {
  std::vector<fs::path> files{fs::path(FIREDRILL_SOURCE_DIR) / "README.md"};
  for (const auto& entry : fs::directory_iterator(fs::path(FIREDRILL_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  int checked = 0;
  for (const fs::path& file : files) {
    for (const Quoted& q : QuotedCommands(file)) {
      std::vector<std::string> words = Words(q.text);
      std::size_t at = 0;
      // VAR=value prefixes, sudo, env.
      while (at < words.size() && (words[at].find('=') != std::string::npos ||
                                   words[at] == "sudo" || words[at] == "env")) {
        ++at;
      }
      if (at >= words.size() || words[at] != "firedrill") continue;
      ++at;
      INFO(q.file << ":" << q.line << ": " << q.text);
      if (at == words.size() || words[at] == "--help" || words[at] == "--version") continue;
      std::size_t used = 0;
      const Command* c = FindCommand(words, at, used);
      REQUIRE(c != nullptr);
      std::set<std::string> accepted{"help", "state"};
      accepted.insert(c->spec.flags.begin(), c->spec.flags.end());
      accepted.insert(c->spec.values.begin(), c->spec.values.end());
      for (std::size_t i = at + used; i < words.size(); ++i) {
        std::string w = words[i];
        // A synopsis writes optional parts in brackets: "[--json]".
        while (!w.empty() && w.front() == '[') w.erase(w.begin());
        if (w.rfind("--", 0) != 0 || w == "--") continue;
        std::string name = w.substr(2, w.find_first_of("=]") - 2);
        INFO("--" << name);
        CHECK(accepted.count(name) == 1);
      }
      ++checked;
    }
  }
  // The docs quote many commands; finding none means the extraction broke.
  CHECK(checked > 50);
}

}  // namespace firedrill
