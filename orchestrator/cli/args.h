// Command-line arguments of one subcommand: options declared up front, anything else refused.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"

namespace firedrill {

/// The options a subcommand accepts. Every subcommand also accepts --help and --state DIR.
struct ArgSpec {
  std::vector<std::string> flags;   ///< boolean options, e.g. "json"
  std::vector<std::string> values;  ///< options taking a value, e.g. "format"
  std::size_t min_positionals = 0;
  std::size_t max_positionals = 0;  ///< SIZE_MAX for "any number"
};

/// Parsed arguments. Options are written `--name`, `--name VALUE` or `--name=VALUE`; `--` ends
/// options. Repeating a valued option keeps the last value.
class Args {
 public:
  /// Parses `argv` (without the program and subcommand names) against `spec`. Fails with a
  /// message naming the offending argument (and a did-you-mean for misspelt options); a missing
  /// positional is named as the command's `usage` line writes it ("FILE", "detected|recovered")
  /// when the usage is given.
  static Expected<Args> Parse(const std::vector<std::string>& argv, const ArgSpec& spec,
                              std::string_view usage = {});

  /// Returns true iff the flag was given.
  bool Has(const std::string& flag) const;
  /// Returns the value of a valued option, if given.
  std::optional<std::string> Value(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::string> options_;
  std::vector<std::string> positionals_;
};

}  // namespace firedrill
