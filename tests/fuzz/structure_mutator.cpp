#include "tests/fuzz/structure_mutator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace firedrill::fuzz {
namespace {

using Rng = std::minstd_rand;

// A count in [1, limit], log-uniform: as many draws between 10 and 100 as between 10,000 and
// 100,000, so both small and huge shapes turn up often.
std::size_t LogUniform(Rng& rng, std::size_t limit) {
  if (limit <= 1) return 1;
  std::uniform_real_distribution<double> exponent(0.0, std::log(static_cast<double>(limit)));
  auto n = static_cast<std::size_t>(std::exp(exponent(rng)));
  return std::clamp<std::size_t>(n, 1, limit);
}

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
}

// A key part: bare, or quoted either way, so a scanner cannot count only the easy kind.
std::string KeyPart(Rng& rng) {
  static const std::vector<std::string> kParts = {"a",   "b1",          "_-",      "\"q\"",
                                                  "'l'", "\"\\u0000\"", "\"a.b\"", "x"};
  return Pick(rng, kParts);
}

// "p.p.p…" of `parts` parts with a random first part (so two insertions rarely collide).
std::string DottedKey(Rng& rng, std::size_t parts) {
  static const std::vector<std::string> kDots = {".", ".", ".", " . ", "\t.", ". "};
  const std::string& dot = Pick(rng, kDots);
  std::string out = "k" + std::to_string(rng() % 100000);
  std::string part = KeyPart(rng);
  out.reserve(parts * (dot.size() + part.size()));
  for (std::size_t i = 1; i < parts; ++i) {
    out += dot;
    out += part;
  }
  return out;
}

// `open` × depth, a value, `close` × depth, within `budget` bytes.
std::string Nested(Rng& rng, const std::string& open, const std::string& close,
                   std::size_t budget) {
  std::size_t depth =
      LogUniform(rng, std::max<std::size_t>(1, budget / (open.size() + close.size())));
  std::string out;
  out.reserve(depth * (open.size() + close.size()) + 1);
  for (std::size_t i = 0; i < depth; ++i) out += open;
  out += "1";
  for (std::size_t i = 0; i < depth; ++i) out += close;
  return out;
}

// A string body of about `budget` bytes, sometimes with escapes a loader must refuse or quote.
std::string LongText(Rng& rng, std::size_t budget) {
  static const std::vector<std::string> kPieces = {"x",   "ab", "\\u0000", "\\u001b[2J", "\\n",
                                                   "\\t", "é",  "\\u0085", "\\\"",       " "};
  std::size_t n = LogUniform(rng, std::max<std::size_t>(1, budget / 2));
  const std::string& piece = Pick(rng, kPieces);
  const std::string& other = Pick(rng, kPieces);
  std::string out;
  out.reserve(n * std::max(piece.size(), other.size()));
  for (std::size_t i = 0; i < n; ++i) out += (rng() % 8 == 0) ? other : piece;
  return out;
}

std::string TomlConstruct(Rng& rng, std::size_t budget, const std::string& input) {
  static const std::vector<std::string> kTimes = {
      "0000-01-01T00:00:00", "9999-12-31T23:30:00-01:00", "02:30:00",
      "2027-03-28T02:30:00", "1969-12-31T23:59:59Z",      "9999-12-31T23:59:59.999",
      "2027-10-31T02:30:00"};
  static const std::vector<std::string> kTimeKeys = {"start", "end", "[window]\nstart",
                                                     "[window]\nend", "[[blackouts]]\nend"};
  switch (rng() % 9) {
    case 0:
      return "[" + DottedKey(rng, LogUniform(rng, budget / 2)) + "]\n";
    case 1:
      return "[[" + DottedKey(rng, LogUniform(rng, budget / 2)) + "]]\n";
    case 2:
      return DottedKey(rng, LogUniform(rng, budget / 2)) + " = 1\n";
    case 3:
      return "k = " + Nested(rng, "[", "]", budget) + "\n";
    case 4:
      return "k = " +
             Nested(rng, Pick(rng, std::vector<std::string>{"{a=", "{ 'b'.c = "}), "}", budget) +
             "\n";
    case 5:
      return "k = " + Nested(rng, "[{a=", "}]", budget) + "\n";
    case 6:
      return Pick(rng, std::vector<std::string>{"title", "restore", "command", "name", "zone",
                                                "inject", "id"}) +
             " = \"" + LongText(rng, budget) + "\"\n";
    case 7:
      return Pick(rng, kTimeKeys) + " = " + Pick(rng, kTimes) + "\n";
    default: {
      // A line of the input, repeated: long files of many tables or keys.
      std::size_t from = input.empty() ? 0 : rng() % input.size();
      std::size_t begin = input.rfind('\n', from);
      begin = begin == std::string::npos ? 0 : begin + 1;
      std::size_t end = input.find('\n', begin);
      std::string line =
          input.substr(begin, end == std::string::npos ? std::string::npos : end - begin + 1);
      if (line.empty() || line.back() != '\n') line += '\n';
      std::size_t times = LogUniform(rng, std::max<std::size_t>(1, budget / line.size()));
      std::string out;
      out.reserve(times * line.size());
      for (std::size_t i = 0; i < times; ++i) out += line;
      return out;
    }
  }
}

std::string JsonConstruct(Rng& rng, std::size_t budget) {
  switch (rng() % 5) {
    case 0:
      return Nested(rng, "[", "]", budget);
    case 1:
      return Nested(rng, "{\"a\":", "}", budget);
    case 2:
      return Nested(rng, "{\"alerts\":[{\"labels\":", "}]}", budget);
    case 3:
      return "\"" + LongText(rng, budget) + "\"";
    default: {
      std::size_t n = LogUniform(rng, std::max<std::size_t>(1, budget / 4));
      std::string out = "[";
      out.reserve(n * 4 + 2);
      for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "{}" : ",{}";
      return out + "]";
    }
  }
}

// Inputs above kKeepWhole bytes are mostly cut to a kWindow-byte window before mutating.
constexpr std::size_t kKeepWhole = 64 * 1024;
constexpr std::size_t kWindow = 16 * 1024;

std::size_t g_largest = 0;

void PrintLargest() { std::fprintf(stderr, "largest input: %zu bytes\n", g_largest); }

}  // namespace

std::size_t MutateStructure(Grammar grammar, std::uint8_t* data, std::size_t size,
                            std::size_t max_size, unsigned int seed) {
  Rng rng(seed);
  // Most runs should stay cheap: a large input is usually cut back to a window of it (at line
  // starts) before it is mutated, so the corpus does not turn into megabyte inputs only.
  if (size > kKeepWhole && rng() % 4 != 0) {
    std::size_t from = rng() % (size - kWindow);
    while (from > 0 && data[from - 1] != '\n') --from;
    std::memmove(data, data + from, kWindow);
    size = kWindow;
  }
  if (rng() % 4 != 0 || max_size <= size + 8) return LLVMFuzzerMutate(data, size, max_size);
  std::string input(reinterpret_cast<const char*>(data), size);
  // Three in four constructs are small (a few KiB); the rest may use all the room left.
  const std::size_t budget =
      rng() % 2 != 0 ? std::min<std::size_t>(max_size - size, 4096) : max_size - size;
  std::string insert;
  std::size_t at = 0;
  if (grammar == Grammar::kToml) {
    insert = TomlConstruct(rng, budget, input);
    // At the start of a line, so the construct is read as TOML and not inside a value.
    at = size == 0 ? 0 : rng() % (size + 1);
    while (at > 0 && input[at - 1] != '\n') --at;
  } else if (rng() % 3 == 0) {
    // Wrap the whole body: nesting around a payload the parser otherwise accepts.
    std::size_t depth = LogUniform(rng, std::max<std::size_t>(1, budget / 2));
    input = std::string(depth, '[') + input + std::string(depth, ']');
    insert.clear();
  } else {
    insert = JsonConstruct(rng, budget);
    at = size == 0 ? 0 : rng() % (size + 1);
  }
  input.insert(at, insert);
  if (input.size() > max_size) input.resize(max_size);
  std::memcpy(data, input.data(), input.size());
  return input.size();
}

void NoteInputSize(std::size_t size) {
  static const bool registered = [] { return std::atexit(PrintLargest) == 0; }();
  (void)registered;
  g_largest = std::max(g_largest, size);
}

}  // namespace firedrill::fuzz
