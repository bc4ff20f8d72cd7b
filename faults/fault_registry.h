// The registry of fault kinds: the built-in kinds of this folder, and later the kinds external
// plugins describe. The loader sees it only as a FaultCatalog.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"
#include "drills/fault_kind.h"

namespace firedrill {

/// The keys every fault has, read by the loader itself; no kind may declare a parameter with
/// one of these names.
inline constexpr std::string_view kCommonFaultKeys[] = {
    "id", "kind", "target", "delay", "restore_timeout", "restore"};

/// A set of fault kinds, keyed by name.
class FaultRegistry : public FaultCatalog {
 public:
  /// Adds `spec`. Returns an Error (and adds nothing) when the name is empty or not made of
  /// lowercase letters, digits, '.', '-' and '_', when a kind of that name is already
  /// registered, when `build` is empty, or when a parameter is unnamed, declared twice or named
  /// like one of kCommonFaultKeys.
  Status Register(FaultKindSpec spec);

  /// Returns the kind named `name`, or nullptr. Pointers stay valid for the registry's life.
  const FaultKindSpec* Find(std::string_view name) const override;
  /// Returns every registered name, sorted.
  std::vector<std::string> Names() const override;

 private:
  std::map<std::string, FaultKindSpec, std::less<>> kinds_;
};

/// Registers every built-in kind into `registry`; fails if one of their names is taken.
Status RegisterBuiltinFaults(FaultRegistry& registry);

/// Returns the registry of the built-in kinds (built once, on first use; thread-safe).
const FaultRegistry& BuiltinFaults();

}  // namespace firedrill
