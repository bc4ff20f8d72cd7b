#include "faults/param_reader.h"

#include <fmt/format.h>

namespace firedrill {

ParamReader::ParamReader(const ParamValues& values, const SourcePos& fault_pos, Diagnostics& out)
    : values_(values), fault_pos_(fault_pos), out_(out), errors_before_(out.size()) {}

std::optional<std::string> ParamReader::OptionalString(const std::string& name) const {
  return values_.String(name);
}

std::string ParamReader::String(const std::string& name, std::string fallback) const {
  return values_.String(name).value_or(std::move(fallback));
}

std::string ParamReader::RequiredString(const std::string& name) {
  std::optional<std::string> text = values_.String(name);
  if (!text) {
    FailAtFault(fmt::format("missing required parameter {}", name));
    return {};
  }
  if (text->empty()) Fail(name, fmt::format("{} must not be empty", name));
  return *text;
}

bool ParamReader::Bool(const std::string& name, bool fallback) const {
  return values_.Bool(name).value_or(fallback);
}

std::int64_t ParamReader::Integer(const std::string& name, std::int64_t fallback) const {
  return values_.Integer(name).value_or(fallback);
}

double ParamReader::Number(const std::string& name, double fallback) const {
  return values_.Number(name).value_or(fallback);
}

Duration ParamReader::DurationOf(const std::string& name, Duration fallback) const {
  return values_.DurationOf(name).value_or(fallback);
}

Duration ParamReader::RequiredDuration(const std::string& name) {
  std::optional<Duration> d = values_.DurationOf(name);
  if (!d) {
    FailAtFault(fmt::format("missing required parameter {}", name));
    return Duration{0};
  }
  return *d;
}

void ParamReader::Fail(const std::string& name, std::string message) {
  out_.push_back(Error{std::move(message), PosOf(name)});
}

void ParamReader::FailAtFault(std::string message) {
  out_.push_back(Error{std::move(message), fault_pos_});
}

}  // namespace firedrill
