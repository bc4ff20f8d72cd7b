// The declarative parameter schema of a fault kind, and the typed values the loader hands to the
// kind's factory. A fault kind (built in, or an external plugin's `describe`) states its
// parameters here; the loader checks types, required keys and unknown keys against it, so a new
// kind never touches the loader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"

namespace firedrill {

enum class ParamType { kString, kInteger, kNumber, kBool, kDuration, kStringList };

/// Returns the user-facing name of a type ("string", "integer", "duration (e.g. \"30s\")", ...).
std::string ParamTypeName(ParamType type);

/// One parameter of a fault kind.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::string doc;                  ///< one line for `--help`, docs and plugin listings
  std::vector<std::string> one_of;  ///< for strings: the allowed values (empty = any)
  std::optional<double> min;        ///< for integers/numbers: inclusive bounds
  std::optional<double> max;
};

/// A typed value the loader read for one parameter, with where it was written.
struct ParamValue {
  std::variant<std::string, std::int64_t, double, bool, Duration, std::vector<std::string>> value;
  SourcePos pos;
};

/// The checked parameters of one fault: every key is declared by the kind's schema and has the
/// declared type. Accessors return nullopt for absent optional keys.
class ParamValues {
 public:
  /// Records a value; the loader is the only caller.
  void Set(std::string name, ParamValue value);

  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> String(const std::string& name) const;
  std::optional<std::int64_t> Integer(const std::string& name) const;
  std::optional<double> Number(const std::string& name) const;
  std::optional<bool> Bool(const std::string& name) const;
  std::optional<Duration> DurationOf(const std::string& name) const;
  std::optional<std::vector<std::string>> StringList(const std::string& name) const;

  /// Returns where `name` was written, or `fallback` when it was not.
  SourcePos PosOf(const std::string& name, const SourcePos& fallback) const;

  /// Converts every value to JSON-friendly text form, for records and plugins.
  const std::map<std::string, ParamValue>& All() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace firedrill
