// Helpers for the fault-kind tests: build ParamValues the way the loader would, and run a kind's
// factory on them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "drills/fault_kind.h"
#include "drills/param_schema.h"

namespace firedrill::testing {

/// The file every test value is "written" in.
inline constexpr char kTestFile[] = "drill.toml";

/// Returns the position of line `line`, column 3 of kTestFile.
SourcePos At(int line);

/// Builds ParamValues fluently; each value is placed on the line given.
class Values {
 public:
  /// Adds a string value.
  Values& Str(const std::string& name, std::string value, int line);
  /// Adds an integer value.
  Values& Int(const std::string& name, std::int64_t value, int line);
  /// Adds a number value.
  Values& Num(const std::string& name, double value, int line);
  /// Adds a boolean value.
  Values& Bool(const std::string& name, bool value, int line);
  /// Adds a duration value.
  Values& Dur(const std::string& name, Duration value, int line);
  /// Returns the values built so far.
  const ParamValues& get() const { return values_; }

 private:
  ParamValues values_;
};

/// What one call of a kind's factory produced.
struct BuildResult {
  std::shared_ptr<const FaultParams> params;
  Diagnostics errors;
};

/// The position of the fault's table in every test.
inline constexpr int kFaultLine = 10;

/// Runs the built-in kind `kind`'s factory on `values` with the fault at line kFaultLine.
BuildResult Build(const std::string& kind, const Values& values);

/// Returns `result.params` cast to the kind's struct (nullptr if absent or of another type).
template <typename T>
const T* As(const BuildResult& result) {
  return dynamic_cast<const T*>(result.params.get());
}

}  // namespace firedrill::testing
