#include "drills/toml_nesting.h"

#include <fmt/format.h>

#include <cstddef>
#include <vector>

namespace firedrill {
namespace {

// Any byte that cannot end or separate a bare key. Wider than TOML's bare keys
// (A-Za-z0-9_-) on purpose: whatever the parser might take for a key part is counted as one.
bool IsKeyByte(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '.':
    case '=':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case '#':
    case '"':
    case '\'':
      return false;
    default:
      return true;
  }
}

// One pass over the text, following TOML's lexical structure closely enough to know, for every
// key part, array and inline table, how deep it is. Text that is not TOML never stops the scan
// (bytes it cannot place are skipped), except an unterminated string, where the parser stops too.
class NestingScanner {
 public:
  NestingScanner(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::optional<Error> Run() {
    while (!Stopped()) {
      SkipBlankLinesAndComments();
      if (Stopped()) break;
      const std::size_t before = i_;
      if (Peek() == '[') {
        Header();
      } else {
        KeyValue();
      }
      if (i_ == before && !Stopped()) Advance();
    }
    return error_;
  }

 private:
  // An array or inline table a value opened and that is not closed yet.
  struct Open {
    char close;  // ']' or '}'
    int depth;   // the level of the container itself
  };

  bool AtEnd() const { return i_ >= text_.size(); }
  bool Stopped() const { return AtEnd() || stop_ || error_.has_value(); }
  char Peek(std::size_t ahead = 0) const {
    return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0';
  }

  // Columns count characters: UTF-8 continuation bytes do not start one.
  void Advance() {
    const auto b = static_cast<unsigned char>(text_[i_++]);
    if (b == '\n') {
      ++line_;
      column_ = 1;
    } else if ((b & 0xc0) != 0x80) {
      ++column_;
    }
  }

  void SkipSpaces() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) Advance();
  }

  void SkipComment() {
    if (Peek() != '#') return;
    while (!AtEnd() && Peek() != '\n') Advance();
  }

  void SkipBlankLinesAndComments() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Advance();
      } else if (c == '#') {
        SkipComment();
      } else {
        return;
      }
    }
  }

  // Skips a string of any of TOML's four kinds. An unterminated one ends the scan.
  void SkipString() {
    const char q = Peek();
    if (Peek(1) == q && Peek(2) == q) {
      for (int k = 0; k < 3; ++k) Advance();
      while (!AtEnd()) {
        if (q == '"' && Peek() == '\\') {
          Advance();
          if (!AtEnd()) Advance();
          continue;
        }
        if (Peek() == q && Peek(1) == q && Peek(2) == q) {
          // Up to two quotes before the closing three belong to the content.
          for (int run = 0; run < 5 && Peek() == q; ++run) Advance();
          return;
        }
        Advance();
      }
      stop_ = true;
      return;
    }
    Advance();
    while (!AtEnd() && Peek() != '\n') {
      const char c = Peek();
      if (q == '"' && c == '\\') {
        Advance();
        if (!AtEnd() && Peek() != '\n') Advance();
        continue;
      }
      Advance();
      if (c == q) return;
    }
    stop_ = true;
  }

  void Fail(int line, int column, std::string_view what) {
    error_ = Error{fmt::format("too deeply nested: this {} is more than {} levels deep (each part "
                               "of a dotted key or table name is a level, and so is each array "
                               "and inline table); a drill file needs no more than 4",
                               what, kMaxTomlNesting),
                   SourcePos{file_, line, column}};
  }

  // Reads a key (`a`, `a.b`, `"x y".'z'`) whose first part is one level below `base`; returns
  // its number of parts.
  int Key(int base, std::string_view what) {
    int parts = 0;
    while (!Stopped()) {
      const int line = line_, column = column_;
      const char c = Peek();
      if (c == '"' || c == '\'') {
        SkipString();
      } else if (IsKeyByte(c)) {
        while (!AtEnd() && IsKeyByte(Peek())) Advance();
      } else {
        break;
      }
      ++parts;
      if (base + parts > kMaxTomlNesting) {
        Fail(line, column, what);
        break;
      }
      SkipSpaces();
      if (Peek() != '.') break;
      Advance();
      SkipSpaces();
    }
    return parts;
  }

  // `[a.b]` or `[[a.b]]`: the keys below it start at its depth.
  void Header() {
    Advance();
    const bool array = Peek() == '[';
    if (array) Advance();
    SkipSpaces();
    base_ = Key(0, array ? "array-of-tables header" : "table header") + (array ? 1 : 0);
    if (base_ > kMaxTomlNesting && !error_) Fail(line_, column_, "array-of-tables header");
    SkipSpaces();
    while (Peek() == ']') Advance();
    SkipSpaces();
    SkipComment();
  }

  void KeyValue() {
    const int parts = Key(base_, "key");
    if (parts == 0 || Stopped()) return;
    SkipSpaces();
    if (Peek() != '=') return;
    Advance();
    SkipSpaces();
    Value(base_ + parts);
  }

  // After `key =`: one value, however many lines its arrays span. `depth` is the key's level.
  void Value(int depth) {
    std::vector<Open> open;
    bool want_value = true;
    while (!Stopped()) {
      const std::size_t before = i_;
      const std::size_t open_before = open.size();
      if (want_value) {
        want_value = false;
        const char c = Peek();
        if (c == '"' || c == '\'') {
          SkipString();
        } else if (c == '[' || c == '{') {
          if (depth + 1 > kMaxTomlNesting) {
            Fail(line_, column_, c == '[' ? "array" : "inline table");
            return;
          }
          Advance();
          open.push_back({c == '[' ? ']' : '}', depth + 1});
          SkipBlankLinesAndComments();
          if (Peek() == open.back().close) continue;
          if (c == '[') {
            depth = open.back().depth;
            want_value = true;
          } else {
            depth = InlineKey(open.back().depth);
            want_value = true;
          }
          continue;
        } else {
          // A number, boolean, date or time: up to what may follow a value.
          while (!AtEnd()) {
            const char s = Peek();
            if (s == ',' || s == ']' || s == '}' || s == '#' || s == '\n' || s == '\r' ||
                s == '"' || s == '\'') {
              break;
            }
            Advance();
          }
        }
      }
      if (open.empty() || Stopped()) return;
      const Open top = open.back();
      SkipBlankLinesAndComments();
      if (AtEnd()) return;
      const char c = Peek();
      if (c == ',') {
        Advance();
        SkipBlankLinesAndComments();
        if (Peek() != top.close) {
          depth = top.close == ']' ? top.depth : InlineKey(top.depth);
          want_value = true;
        }
      } else if (c == top.close) {
        Advance();
        open.pop_back();
      } else if (i_ == before && open.size() == open_before) {
        Advance();  // not TOML; the parser reports it
      }
    }
  }

  // `k.l = ` inside an inline table at level `table_depth`; returns the level of its value.
  int InlineKey(int table_depth) {
    const int parts = Key(table_depth, "key");
    SkipSpaces();
    if (Peek() == '=') {
      Advance();
      SkipSpaces();
    }
    return table_depth + parts;
  }

  std::string_view text_;
  const std::string& file_;
  std::size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;
  int base_ = 0;  // the level of the table the last header opened (0: the root)
  bool stop_ = false;
  std::optional<Error> error_;
};

}  // namespace

std::optional<Error> CheckTomlNesting(std::string_view text, const std::string& file) {
  return NestingScanner(text, file).Run();
}

}  // namespace firedrill
