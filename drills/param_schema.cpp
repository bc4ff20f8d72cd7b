#include "drills/param_schema.h"

namespace firedrill {

std::string ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBool:
      return "boolean";
    case ParamType::kDuration:
      return "duration (e.g. \"30s\", \"5m\")";
    case ParamType::kStringList:
      return "array of strings";
  }
  return "value";
}

void ParamValues::Set(std::string name, ParamValue value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}

namespace {
template <typename T>
std::optional<T> Get(const std::map<std::string, ParamValue>& m, const std::string& name) {
  auto it = m.find(name);
  if (it == m.end()) return std::nullopt;
  if (const T* v = std::get_if<T>(&it->second.value)) return *v;
  return std::nullopt;
}
}  // namespace

std::optional<std::string> ParamValues::String(const std::string& name) const {
  return Get<std::string>(values_, name);
}
std::optional<std::int64_t> ParamValues::Integer(const std::string& name) const {
  return Get<std::int64_t>(values_, name);
}
std::optional<double> ParamValues::Number(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  if (const double* d = std::get_if<double>(&it->second.value)) return *d;
  if (const std::int64_t* i = std::get_if<std::int64_t>(&it->second.value)) {
    return static_cast<double>(*i);
  }
  return std::nullopt;
}
std::optional<bool> ParamValues::Bool(const std::string& name) const {
  return Get<bool>(values_, name);
}
std::optional<Duration> ParamValues::DurationOf(const std::string& name) const {
  return Get<Duration>(values_, name);
}
std::optional<std::vector<std::string>> ParamValues::StringList(const std::string& name) const {
  return Get<std::vector<std::string>>(values_, name);
}

SourcePos ParamValues::PosOf(const std::string& name, const SourcePos& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.pos;
}

}  // namespace firedrill
