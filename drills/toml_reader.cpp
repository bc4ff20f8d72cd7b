#include "drills/toml_reader.h"

#include <fmt/format.h>

#include <cmath>

#include "drills/quoted.h"
#include "drills/suggest.h"

namespace firedrill {

SourcePos ToPos(const toml::source_region& region, const std::string& file) {
  return SourcePos{file, static_cast<int>(region.begin.line),
                   static_cast<int>(region.begin.column)};
}

std::string TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "a value";
  }
}

TomlReader::TomlReader(const toml::table& table, std::string where, const std::string& file,
                       Diagnostics& out)
    : table_(table), where_(std::move(where)), file_(file), out_(out) {}

SourcePos TomlReader::Pos() const { return ToPos(table_.source(), file_); }

SourcePos TomlReader::PosOf(const std::string& key) const {
  const toml::node* n = table_.get(key);
  return n != nullptr ? ToPos(n->source(), file_) : Pos();
}

void TomlReader::Report(const SourcePos& pos, std::string message) {
  out_.push_back(Error{std::move(message), pos});
}

bool TomlReader::CheckText(const SourcePos& pos, const std::string& what, std::string_view text,
                           TextForm form) {
  std::optional<ForbiddenCharacter> bad = FindForbiddenCharacter(text, form);
  if (!bad) return true;
  const char* rule = bad->code == 0 ? "no value may hold one"
                     : form == TextForm::kLine
                         ? "this value is one line of text: no tabs, line breaks or other control "
                           "characters"
                         : "besides text only tabs and line breaks may be used here";
  Report(pos, fmt::format("{}: {} {}; {}", where_, what, bad->Describe(), rule));
  return false;
}

const toml::node* TomlReader::Get(const std::string& key, bool required) {
  known_.insert(key);
  const toml::node* n = table_.get(key);
  if (n == nullptr && required) {
    Report(Pos(), fmt::format("{}: missing required key \"{}\"", where_, key));
  }
  return n;
}

void TomlReader::WrongType(const std::string& key, const toml::node& node,
                           const std::string& expected) {
  Report(ToPos(node.source(), file_), fmt::format("{}: {} must be {}, found {}", where_,
                                                  Quoted(key), expected, TomlTypeName(node)));
}

std::optional<std::string> TomlReader::String(const std::string& key, bool required,
                                              TextForm form) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  if (auto s = n->value<std::string>(); s && n->is_string()) {
    if (required && s->empty()) {
      Report(ToPos(n->source(), file_), fmt::format("{}: \"{}\" must not be empty", where_, key));
      return std::nullopt;
    }
    if (!CheckText(ToPos(n->source(), file_), Quoted(key), *s, form)) return std::nullopt;
    return s;
  }
  WrongType(key, *n, "a string");
  return std::nullopt;
}

std::optional<std::string> TomlReader::Enum(const std::string& key, bool required,
                                            const std::vector<std::string>& allowed) {
  auto s = String(key, required);
  if (!s) return std::nullopt;
  for (const std::string& a : allowed) {
    if (a == *s) return s;
  }
  Report(PosOf(key), fmt::format("{}: \"{}\" must be one of {}, found {}{}", where_, key,
                                 fmt::join(allowed, ", "), Quoted(*s), DidYouMean(*s, allowed)));
  return std::nullopt;
}

std::optional<std::int64_t> TomlReader::Integer(const std::string& key, bool required,
                                                std::int64_t min, std::int64_t max) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  if (!n->is_integer()) {
    WrongType(key, *n, "an integer");
    return std::nullopt;
  }
  std::int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    Report(ToPos(n->source(), file_),
           fmt::format("{}: \"{}\" must be between {} and {}, found {}", where_, key, min, max, v));
    return std::nullopt;
  }
  return v;
}

std::optional<double> TomlReader::Number(const std::string& key, bool required, double min,
                                         double max, bool open) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  double v = 0;
  if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else {
    WrongType(key, *n, "a number");
    return std::nullopt;
  }
  bool in_range = open ? (v > min && v < max) : (v >= min && v <= max);
  if (!std::isfinite(v) || !in_range) {
    Report(ToPos(n->source(), file_),
           fmt::format("{}: \"{}\" must be {} {} and {} {}, found {}", where_, key,
                       open ? "above" : "at least", min, open ? "below" : "at most", max, v));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TomlReader::Bool(const std::string& key, bool required) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  if (!n->is_boolean()) {
    WrongType(key, *n, "true or false");
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::optional<Duration> TomlReader::DurationKey(const std::string& key, bool required,
                                                bool allow_zero) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  if (!n->is_string()) {
    WrongType(key, *n, "a duration string such as \"30s\" or \"1h30m\"");
    return std::nullopt;
  }
  auto d = ParseDuration(n->as_string()->get());
  if (!d.ok()) {
    Report(ToPos(n->source(), file_),
           fmt::format("{}: \"{}\": {}", where_, key, d.error().message));
    return std::nullopt;
  }
  if (*d > kMaxDrillDuration) {
    Report(ToPos(n->source(), file_),
           fmt::format("{}: \"{}\" must be at most {} (ten years), found {}", where_, key,
                       FormatDuration(kMaxDrillDuration), Quoted(n->as_string()->get())));
    return std::nullopt;
  }
  if (!allow_zero && d->count() <= 0) {
    Report(ToPos(n->source(), file_),
           fmt::format("{}: \"{}\" must be longer than zero", where_, key));
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> TomlReader::StringList(const std::string& key,
                                                               bool required) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    WrongType(key, *n, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const toml::node& item : *arr) {
    if (!item.is_string()) {
      WrongType(key, item, "an array of strings; this element");
      ok = false;
      continue;
    }
    if (!CheckText(ToPos(item.source(), file_), Quoted(key), item.as_string()->get(),
                   TextForm::kLine)) {
      ok = false;
      continue;
    }
    out.push_back(item.as_string()->get());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> TomlReader::StringMap(const std::string& key,
                                                                        bool required) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return std::nullopt;
  const toml::table* t = n->as_table();
  if (t == nullptr) {
    WrongType(key, *n, "a table of strings, e.g. { service = \"checkout\" }");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (auto&& [k, v] : *t) {
    if (!v.is_string()) {
      WrongType(fmt::format("{}.{}", key, k.str()), v, "a string");
      ok = false;
      continue;
    }
    SourcePos key_pos = ToPos(k.source(), file_);
    if (key_pos.line == 0) key_pos = ToPos(v.source(), file_);
    if (!CheckText(key_pos, fmt::format("a key of \"{}\"", key), k.str(), TextForm::kLine) ||
        !CheckText(ToPos(v.source(), file_), Quoted(fmt::format("{}.{}", key, k.str())),
                   v.as_string()->get(), TextForm::kLine)) {
      ok = false;
      continue;
    }
    out.emplace(std::string(k.str()), v.as_string()->get());
  }
  if (!ok) return std::nullopt;
  return out;
}

const toml::table* TomlReader::Table(const std::string& key, bool required) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) {
    WrongType(key, *n, fmt::format("a table ([{}])", key));
    return nullptr;
  }
  return n->as_table();
}

const toml::array* TomlReader::TableArray(const std::string& key, bool required) {
  const toml::node* n = Get(key, required);
  if (n == nullptr) return nullptr;
  const toml::array* arr = n->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    WrongType(key, *n, fmt::format("an array of tables ([[{}]])", key));
    return nullptr;
  }
  return arr;
}

const toml::node* TomlReader::Node(const std::string& key, bool required) {
  return Get(key, required);
}

void TomlReader::Param(const ParamSpec& spec, ParamValues& values) {
  SourcePos pos = PosOf(spec.name);
  auto set = [&](auto v) { values.Set(spec.name, ParamValue{std::move(v), pos}); };
  double lo = spec.min.value_or(-1e300), hi = spec.max.value_or(1e300);
  switch (spec.type) {
    case ParamType::kString: {
      auto v = spec.one_of.empty() ? String(spec.name, spec.required, TextForm::kMultiLine)
                                   : Enum(spec.name, spec.required, spec.one_of);
      if (v) set(*v);
      break;
    }
    case ParamType::kInteger: {
      auto v = Integer(spec.name, spec.required,
                       spec.min ? static_cast<std::int64_t>(*spec.min) : INT64_MIN,
                       spec.max ? static_cast<std::int64_t>(*spec.max) : INT64_MAX);
      if (v) set(*v);
      break;
    }
    case ParamType::kNumber: {
      auto v = Number(spec.name, spec.required, lo, hi, false);
      if (v) set(*v);
      break;
    }
    case ParamType::kBool: {
      auto v = Bool(spec.name, spec.required);
      if (v) set(*v);
      break;
    }
    case ParamType::kDuration: {
      auto v = DurationKey(spec.name, spec.required, true);
      if (v) set(*v);
      break;
    }
    case ParamType::kStringList: {
      auto v = StringList(spec.name, spec.required);
      if (v) set(*v);
      break;
    }
  }
}

void TomlReader::Finish(const std::string& hint) {
  std::vector<std::string> known(known_.begin(), known_.end());
  for (auto&& [k, v] : table_) {
    std::string key(k.str());
    if (known_.count(key) != 0) continue;
    SourcePos pos = ToPos(k.source(), file_);
    if (pos.line == 0) pos = ToPos(v.source(), file_);
    Report(pos,
           fmt::format("{}: unknown key {}{}{}", where_, Quoted(key),
                       hint.empty() ? "" : fmt::format(" ({})", hint), DidYouMean(key, known)));
  }
}

}  // namespace firedrill
