#include "orchestrator/report/postmortem_lint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "orchestrator/report/postmortem.h"

namespace firedrill {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool WordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '@' || c == '.' ||
         c == '-' || c == '\'';
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) --e;
  return std::string(s.substr(b, e - b));
}

// Positions in `lower` where `needle` (lowercase) starts as a whole phrase: no letter or digit
// right before or after it.
std::vector<std::size_t> FindWhole(const std::string& lower, const std::string& needle) {
  std::vector<std::size_t> out;
  if (needle.empty()) return out;
  for (std::size_t pos = lower.find(needle); pos != std::string::npos;
       pos = lower.find(needle, pos + 1)) {
    bool left = pos == 0 || !IsAlnum(lower[pos - 1]);
    std::size_t end = pos + needle.size();
    bool right = end >= lower.size() || !IsAlnum(lower[end]);
    if (left && right) out.push_back(pos);
  }
  return out;
}

// The word just before `pos` (skipping spaces), trailing punctuation removed; "" at line start.
std::string WordBefore(const std::string& line, std::size_t pos) {
  std::size_t e = pos;
  while (e > 0 && line[e - 1] == ' ') --e;
  std::size_t b = e;
  while (b > 0 && WordChar(line[b - 1])) --b;
  std::string w = line.substr(b, e - b);
  while (!w.empty() && (w.back() == '.' || w.back() == '\'' || w.back() == '-')) w.pop_back();
  if (w.size() > 2 && w.substr(w.size() - 2) == "'s") w.resize(w.size() - 2);
  return w;
}

const std::vector<std::string>& PersonWords() {
  static const std::vector<std::string> kWords = {
      "he",        "she",        "they",      "i",        "you",       "someone",
      "somebody",  "nobody",     "no-one",    "everyone", "engineer",  "engineers",
      "operator",  "operators",  "on-call",   "oncall",   "responder", "responders",
      "developer", "developers", "dev",       "devs",     "admin",     "administrator",
      "sre",       "sres",       "commander", "ic",       "lead",      "manager",
      "owner",     "dba",        "him",       "her",      "colleague", "person"};
  return kWords;
}

// The lowercase names a participant may be written as.
std::vector<std::string> NameForms(const std::string& participant) {
  std::vector<std::string> forms;
  auto add = [&](const std::string& s) {
    std::string l = Lower(Trim(s));
    if (l.size() >= 3 && std::find(forms.begin(), forms.end(), l) == forms.end()) {
      forms.push_back(l);
    }
  };
  std::string name = participant;
  // "Jonas Weber <jonas.weber@example.com>": both the display name and the address.
  if (auto lt = name.find('<'); lt != std::string::npos) {
    auto gt = name.find('>', lt);
    std::string addr =
        name.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
    for (const std::string& f : NameForms(addr)) add(f);
    name = Trim(name.substr(0, lt));
  }
  add(name);
  std::string local = name.substr(0, name.find('@'));
  add(local);
  std::string piece;
  for (char c : local) {
    if (c == '.' || c == '_' || c == ' ' || c == '+') {
      add(piece);
      piece.clear();
    } else {
      piece += c;
    }
  }
  add(piece);
  return forms;
}

bool IsPerson(const std::string& word, const std::vector<std::string>& name_forms) {
  std::string w = Lower(word);
  if (w.empty()) return false;
  if (w.find('@') != std::string::npos) return true;
  const auto& pw = PersonWords();
  if (std::find(pw.begin(), pw.end(), w) != pw.end()) return true;
  return std::find(name_forms.begin(), name_forms.end(), w) != name_forms.end();
}

bool IsHeading(const std::string& line) { return line.rfind("## ", 0) == 0; }

}  // namespace

std::vector<std::string> ParticipantsInPostmortem(std::string_view text) {
  std::vector<std::string> names;
  bool in_section = false;
  int row = 0;
  for (const std::string& line : SplitLines(text)) {
    if (IsHeading(line)) {
      in_section = Lower(Trim(line.substr(3))) == "participants";
      row = 0;
      continue;
    }
    if (!in_section || line.rfind("|", 0) != 0) continue;
    ++row;
    if (row <= 2) continue;  // the header row and the |---| row
    std::size_t end = line.find('|', 1);
    std::string cell = Trim(line.substr(1, end == std::string::npos ? std::string::npos : end - 1));
    if (!cell.empty()) names.push_back(cell);
  }
  return names;
}

std::vector<LintFinding> LintPostmortem(std::string_view text,
                                        const std::vector<std::string>& participants) {
  std::vector<std::string> name_forms;
  for (const std::string& p : participants) {
    for (const std::string& f : NameForms(p)) {
      if (std::find(name_forms.begin(), name_forms.end(), f) == name_forms.end()) {
        name_forms.push_back(f);
      }
    }
  }
  std::stable_sort(name_forms.begin(), name_forms.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::vector<LintFinding> out;
  bool in_factors = false;
  int n = 0;
  for (const std::string& line : SplitLines(text)) {
    ++n;
    if (IsHeading(line)) in_factors = Lower(Trim(line.substr(3))) == "contributing factors";
    if (IsTemplateGuidance(line)) continue;
    std::string lower = Lower(line);
    auto flag = [&](std::size_t from, std::size_t to, std::string message, std::string suggestion) {
      out.push_back(
          {n, Trim(line.substr(from, to - from)), std::move(message), std::move(suggestion)});
    };
    for (std::size_t pos : FindWhole(lower, "human error")) {
      flag(pos, pos + 11, "\"human error\" names a person as the cause",
           "name the conditions that made the action possible or likely (a missing safeguard, an "
           "ambiguous alert, a confusing tool, time pressure)");
    }
    for (const char* word : {"careless", "carelessly", "carelessness"}) {
      for (std::size_t pos : FindWhole(lower, word)) {
        flag(pos, pos + std::string_view(word).size(), "calling someone careless assigns blame",
             "describe what made the step easy to get wrong: no confirmation, no check, no "
             "review, a misleading default");
      }
    }
    for (const char* word : {"negligence", "negligent", "negligently"}) {
      for (std::size_t pos : FindWhole(lower, word)) {
        flag(pos, pos + std::string_view(word).size(), "negligence assigns blame to a person",
             "describe which safeguard or information was missing when the decision was made");
      }
    }
    for (const char* word : {"forgot", "forgotten"}) {
      for (std::size_t pos : FindWhole(lower, word)) {
        std::string who = WordBefore(line, pos);
        std::size_t from = who.empty() ? pos : line.rfind(who, pos);
        flag(from, pos + std::string_view(word).size(),
             "\"forgot\" makes the outcome a person's lapse",
             "describe what would have reminded anyone: \"the runbook has no step for this\", "
             "\"nothing checks that this is done\"");
      }
    }
    for (const char* phrase : {"failed to", "should have"}) {
      for (std::size_t pos : FindWhole(lower, phrase)) {
        std::string who = WordBefore(line, pos);
        if (!IsPerson(who, name_forms)) continue;
        std::size_t from = line.rfind(who, pos);
        flag(from, pos + std::string_view(phrase).size(),
             fmt::format("\"{} {}\" judges a person with hindsight", who, phrase),
             std::string_view(phrase) == "failed to"
                 ? "say what happened and why it made sense at the time: \"the page was not "
                   "acknowledged for 12 minutes; the phone was on silent after a night shift\""
                 : "state the gap as a system change: \"the alert does not say which host; add "
                   "it\" instead of what someone should have done");
      }
    }
    if (in_factors && !IsHeading(line)) {
      // Longest forms first, so that "jonas.weber@example.com" is one finding, not four.
      std::vector<std::pair<std::size_t, std::size_t>> taken;
      for (const std::string& name : name_forms) {
        for (std::size_t pos : FindWhole(lower, name)) {
          bool covered = std::any_of(taken.begin(), taken.end(), [&](const auto& r) {
            return pos < r.second && pos + name.size() > r.first;
          });
          if (covered) continue;
          taken.emplace_back(pos, pos + name.size());
          flag(pos, pos + name.size(), "a participant is named among the contributing factors",
               "describe the role and the conditions, not the person: \"the on-call responder "
               "had no dashboard for the queue\"");
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const LintFinding& a, const LintFinding& b) { return a.line < b.line; });
  return out;
}

std::string FormatFinding(const std::string& file, const LintFinding& f) {
  return fmt::format("{}:{}: {}: \"{}\". Suggestion: {}", file, f.line, f.message, f.phrase,
                     f.suggestion);
}

}  // namespace firedrill
