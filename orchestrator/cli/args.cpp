#include "orchestrator/cli/args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "drills/suggest.h"

namespace firedrill {
namespace {

// The positional words of a usage line after "firedrill COMMAND": what is left without every
// [...] group and every --option with its value (" detected|recovered [--by NAME]" gives
// {"detected|recovered"}).
std::vector<std::string> PositionalNames(std::string_view usage, const ArgSpec& spec) {
  std::vector<std::string> words;
  std::string word;
  int depth = 0;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : usage) {
    if (c == '[' || c == ']') {
      flush();
      depth = std::max(0, depth + (c == '[' ? 1 : -1));
    } else if (depth == 0 && c == ' ') {
      flush();
    } else if (depth == 0) {
      word += c;
    }
  }
  flush();
  std::vector<std::string> names;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].rfind("--", 0) == 0) {
      const std::string option = words[i].substr(2);
      if (std::find(spec.values.begin(), spec.values.end(), option) != spec.values.end()) ++i;
      continue;
    }
    names.push_back(words[i]);
  }
  return names;
}

}  // namespace

Expected<Args> Args::Parse(const std::vector<std::string>& argv, const ArgSpec& spec,
                           std::string_view usage) {
  std::vector<std::string> flags = spec.flags;
  flags.push_back("help");
  std::vector<std::string> values = spec.values;
  values.push_back("state");
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  Args args;
  bool options_done = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-' || a == "-") {
      args.positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h") {
      args.options_["help"] = "";
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      return Error{fmt::format("unknown option \"{}\" (options are written --name)", a)};
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (contains(flags, name)) {
      if (inline_value) return Error{fmt::format("option --{} takes no value", name)};
      args.options_[name] = "";
    } else if (contains(values, name)) {
      if (inline_value) {
        args.options_[name] = *inline_value;
      } else if (i + 1 < argv.size()) {
        args.options_[name] = argv[++i];
      } else {
        return Error{fmt::format("option --{} needs a value", name)};
      }
    } else {
      std::vector<std::string> all;
      for (const auto& f : flags) all.push_back("--" + f);
      for (const auto& v : values) all.push_back("--" + v);
      return Error{fmt::format("unknown option \"--{}\"{}", name, DidYouMean("--" + name, all))};
    }
  }
  if (args.Has("help")) return args;  // --help wins over missing arguments
  std::size_t n = args.positionals_.size();
  if (n < spec.min_positionals) {
    const std::vector<std::string> names = PositionalNames(usage, spec);
    if (n < names.size()) {
      std::string_view name = names[n];
      if (name.ends_with("...")) name.remove_suffix(3);  // "FILE...": one or more
      return Error{fmt::format("missing {}", name)};
    }
    return Error{fmt::format("missing argument (expected at least {})", spec.min_positionals)};
  }
  if (n > spec.max_positionals) {
    return Error{
        fmt::format("unexpected argument \"{}\"", args.positionals_[spec.max_positionals])};
  }
  return args;
}

bool Args::Has(const std::string& flag) const { return options_.count(flag) != 0; }

std::optional<std::string> Args::Value(const std::string& name) const {
  auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

}  // namespace firedrill
