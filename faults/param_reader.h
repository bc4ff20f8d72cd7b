// Reads one fault's checked parameter values inside a kind's factory: applies defaults, turns
// strings into enums, and reports errors at the position of the parameter they are about.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/fault_kind.h"
#include "drills/param_schema.h"

namespace firedrill {

/// A view of one fault's values plus the place its errors go. The loader has already checked
/// types, `one_of`, bounds and unknown keys against the kind's schema; the reader adds defaults
/// and the checks a schema cannot express. Errors are appended to the Diagnostics given at
/// construction; `failed()` tells whether any were appended through this reader.
class ParamReader {
 public:
  /// `values` and `out` must outlive the reader.
  ParamReader(const ParamValues& values, const SourcePos& fault_pos, Diagnostics& out);

  /// Returns the string `name`, or nullopt when it is absent.
  std::optional<std::string> OptionalString(const std::string& name) const;
  /// Returns the string `name`, or `fallback` when it is absent.
  std::string String(const std::string& name, std::string fallback) const;
  /// Returns the string `name`; reports an error when it is absent or empty.
  std::string RequiredString(const std::string& name);
  /// Returns the boolean `name`, or `fallback` when it is absent.
  bool Bool(const std::string& name, bool fallback) const;
  /// Returns the integer `name`, or `fallback` when it is absent.
  std::int64_t Integer(const std::string& name, std::int64_t fallback) const;
  /// Returns the number `name` (an integer is widened), or `fallback` when it is absent.
  double Number(const std::string& name, double fallback) const;
  /// Returns the duration `name`, or `fallback` when it is absent.
  Duration DurationOf(const std::string& name, Duration fallback) const;
  /// Returns the duration `name`; reports an error when it is absent.
  Duration RequiredDuration(const std::string& name);

  /// Returns the enum value whose spelling in `table` equals the string `name`, `fallback` when
  /// the parameter is absent; reports an error (and returns `fallback`) for any other string.
  template <typename E>
  E Choice(const std::string& name, std::initializer_list<std::pair<std::string_view, E>> table,
           E fallback) {
    std::optional<std::string> text = values_.String(name);
    if (!text) return fallback;
    std::string allowed;
    for (const auto& [spelling, value] : table) {
      if (spelling == *text) return value;
      allowed += allowed.empty() ? "" : ", ";
      allowed += spelling;
    }
    Fail(name, name + " \"" + *text + "\" is not one of " + allowed);
    return fallback;
  }

  /// Reports `message` at the position of parameter `name` (the fault's position if absent).
  void Fail(const std::string& name, std::string message);
  /// Reports `message` at the position of the fault's table.
  void FailAtFault(std::string message);

  /// Returns true iff the parameter was written in the drill file.
  bool Has(const std::string& name) const { return values_.Has(name); }
  /// Returns where parameter `name` was written, or the fault's position.
  SourcePos PosOf(const std::string& name) const { return values_.PosOf(name, fault_pos_); }
  /// Returns how many errors were reported through this reader so far.
  std::size_t error_count() const { return out_.size() - errors_before_; }
  /// Returns true iff an error was reported through this reader.
  bool failed() const { return error_count() != 0; }

 private:
  const ParamValues& values_;
  SourcePos fault_pos_;
  Diagnostics& out_;
  std::size_t errors_before_;
};

}  // namespace firedrill
