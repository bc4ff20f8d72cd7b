#include "tests/faults/test_params.h"

#include <catch2/catch.hpp>

#include "faults/fault_registry.h"

namespace firedrill::testing {

SourcePos At(int line) { return SourcePos{kTestFile, line, 3}; }

Values& Values::Str(const std::string& name, std::string value, int line) {
  values_.Set(name, ParamValue{std::move(value), At(line)});
  return *this;
}

Values& Values::Int(const std::string& name, std::int64_t value, int line) {
  values_.Set(name, ParamValue{value, At(line)});
  return *this;
}

Values& Values::Num(const std::string& name, double value, int line) {
  values_.Set(name, ParamValue{value, At(line)});
  return *this;
}

Values& Values::Bool(const std::string& name, bool value, int line) {
  values_.Set(name, ParamValue{value, At(line)});
  return *this;
}

Values& Values::Dur(const std::string& name, Duration value, int line) {
  values_.Set(name, ParamValue{value, At(line)});
  return *this;
}

BuildResult Build(const std::string& kind, const Values& values) {
  const FaultKindSpec* spec = BuiltinFaults().Find(kind);
  REQUIRE(spec != nullptr);
  BuildResult result;
  result.params = spec->build(values.get(), SourcePos{kTestFile, kFaultLine, 1}, result.errors);
  // A factory either succeeds without errors or fails with at least one.
  CHECK((result.params == nullptr) == !result.errors.empty());
  return result;
}

}  // namespace firedrill::testing
