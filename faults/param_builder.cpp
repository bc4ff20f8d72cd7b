#include "faults/param_builder.h"

#include <utility>

namespace firedrill {

ParamBuilder::ParamBuilder(std::string name, ParamType type, std::string doc) {
  spec_.name = std::move(name);
  spec_.type = type;
  spec_.doc = std::move(doc);
}

ParamBuilder& ParamBuilder::Required() {
  spec_.required = true;
  return *this;
}

ParamBuilder& ParamBuilder::OneOf(std::vector<std::string> values) {
  spec_.one_of = std::move(values);
  return *this;
}

ParamBuilder& ParamBuilder::Range(std::optional<double> min, std::optional<double> max) {
  spec_.min = min;
  spec_.max = max;
  return *this;
}

}  // namespace firedrill
