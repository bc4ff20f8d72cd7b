// What the loader needs to know about a fault kind: its parameter schema and a typed factory.
// The kinds themselves live in faults/ (built in) and plugins/ (external); the loader only sees
// this interface, so adding a kind never touches the loader.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/param_schema.h"

namespace firedrill {

/// The typed, validated parameters of one fault. Each kind derives its own struct.
class FaultParams {
 public:
  virtual ~FaultParams() = default;
  /// Returns a one-line human description ("SIGKILL processes named \"web\"").
  virtual std::string Describe() const = 0;
};

/// Where the loader reports problems found while building typed parameters.
using Diagnostics = std::vector<Error>;

/// The factory of a kind: builds typed parameters from checked values, or appends one or more
/// errors (with positions from `values.PosOf`) to `out` and returns nullptr. `fault_pos` is the
/// position of the fault's table, for errors about missing combinations.
using FaultParamsFactory = std::function<std::shared_ptr<const FaultParams>(
    const ParamValues& values, const SourcePos& fault_pos, Diagnostics& out)>;

/// A registered fault kind, as the loader sees it.
struct FaultKindSpec {
  std::string name;     ///< e.g. "process.kill"
  std::string summary;  ///< one line for listings and docs
  std::vector<ParamSpec> params;
  /// Time one restore is allowed to take unless the fault overrides `restore_timeout`; counted
  /// into the window's restore budget.
  Duration default_restore_timeout = std::chrono::seconds(30);
  /// True for kinds with no restore of their own (`command`): the fault must then give the
  /// common `restore` key, and the loader refuses it otherwise.
  bool restore_key_required = false;
  FaultParamsFactory build;
};

/// The set of known fault kinds. Implemented by FaultRegistry (faults/).
class FaultCatalog {
 public:
  virtual ~FaultCatalog() = default;
  /// Returns the kind named `name`, or nullptr. The pointer stays valid as long as the catalog.
  virtual const FaultKindSpec* Find(std::string_view name) const = 0;
  /// Returns every kind name, sorted.
  virtual std::vector<std::string> Names() const = 0;
};

}  // namespace firedrill
