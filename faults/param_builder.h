// A compact way to declare a fault kind's parameter schema:
//   ParamBuilder("port", ParamType::kInteger, "port to block").Required().Range(1, 65535).Build()
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drills/param_schema.h"

namespace firedrill {

/// Builds one ParamSpec; every parameter starts optional, unbounded and with any value allowed.
class ParamBuilder {
 public:
  /// Starts a parameter `name` of `type`; `doc` is its one-line description (with the default).
  ParamBuilder(std::string name, ParamType type, std::string doc);

  /// Marks the parameter as required.
  ParamBuilder& Required();
  /// Restricts a string parameter to `values`.
  ParamBuilder& OneOf(std::vector<std::string> values);
  /// Bounds an integer or number parameter, both ends inclusive; nullopt = unbounded.
  ParamBuilder& Range(std::optional<double> min, std::optional<double> max);

  /// Returns the finished spec.
  ParamSpec Build() const { return spec_; }

 private:
  ParamSpec spec_;
};

}  // namespace firedrill
