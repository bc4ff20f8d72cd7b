// Typed, position-aware reading of one TOML table. Internal to the drill loader: together with
// drill_loader.cpp it is the only code that touches toml++.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/fault_kind.h"
#include "drills/text_check.h"

namespace firedrill {

/// The longest duration a drill file may give: ten years. Longer is no drill's, and keeps every
/// time computed from a window (announce-by, give-up) far from overflowing.
inline constexpr Duration kMaxDrillDuration = std::chrono::hours(24 * 3650);

/// Reads keys of one table, appending every problem to a Diagnostics sink. Each accessor marks
/// its key as known; Finish() reports the keys nobody asked for as unknown (with a did-you-mean).
/// Accessors return nullopt when the key is absent or wrong (the problem is then reported).
/// Every string read (values, list items, inline-table keys) is checked by
/// FindForbiddenCharacter;
/// values are quoted in messages through Quoted() (short, one line, escaped).
class TomlReader {
 public:
  /// `where` names the table in messages, e.g. "[window]" or "fault #2 (process.kill)".
  TomlReader(const toml::table& table, std::string where, const std::string& file,
             Diagnostics& out);

  /// A string of `form` (one line unless said otherwise).
  std::optional<std::string> String(const std::string& key, bool required,
                                    TextForm form = TextForm::kLine);
  /// A string that must be one of `allowed`.
  std::optional<std::string> Enum(const std::string& key, bool required,
                                  const std::vector<std::string>& allowed);
  std::optional<std::int64_t> Integer(const std::string& key, bool required, std::int64_t min,
                                      std::int64_t max);
  /// Integers are accepted where a number is expected. Bounds are exclusive when `open` is set.
  std::optional<double> Number(const std::string& key, bool required, double min, double max,
                               bool open);
  std::optional<bool> Bool(const std::string& key, bool required);
  /// A duration string, at most kMaxDrillDuration; zero is refused unless `allow_zero`.
  std::optional<Duration> DurationKey(const std::string& key, bool required, bool allow_zero);
  std::optional<std::vector<std::string>> StringList(const std::string& key, bool required);
  /// An inline table of string values, e.g. `match = { service = "checkout" }`.
  std::optional<std::map<std::string, std::string>> StringMap(const std::string& key,
                                                              bool required);
  /// A sub-table; nullptr when absent (reported if required) or not a table (reported).
  const toml::table* Table(const std::string& key, bool required);
  /// An array of tables (`[[key]]`); nullptr when absent or of the wrong shape (reported).
  const toml::array* TableArray(const std::string& key, bool required);
  /// The raw node, for values with several accepted forms (date-times). Marks the key known.
  const toml::node* Node(const std::string& key, bool required);
  /// Reads one parameter of a fault kind per its schema into `values`. A kind's strings may be
  /// commands, so they are TextForm::kMultiLine; its string lists are one line each.
  void Param(const ParamSpec& spec, ParamValues& values);

  /// Marks a key known without reading it (handled elsewhere).
  void Known(const std::string& key) { known_.insert(key); }
  /// Reports an unknown key for each key of the table that no accessor asked about. `hint` is
  /// added to the message ("not a key of a tcp probe").
  void Finish(const std::string& hint = "");

  /// Where the table starts.
  SourcePos Pos() const;
  /// Where `key`'s value starts, or the table's position when absent.
  SourcePos PosOf(const std::string& key) const;
  /// Appends an error at `pos`.
  void Report(const SourcePos& pos, std::string message);
  /// Reports and returns false when `text`, the value (or key) `what` at `pos`, holds a character
  /// `form` does not allow.
  bool CheckText(const SourcePos& pos, const std::string& what, std::string_view text,
                 TextForm form);
  const std::string& where() const { return where_; }

 private:
  const toml::node* Get(const std::string& key, bool required);
  void WrongType(const std::string& key, const toml::node& node, const std::string& expected);

  const toml::table& table_;
  std::string where_;
  const std::string& file_;
  Diagnostics& out_;
  std::set<std::string> known_;
};

/// Converts a toml++ source position to ours.
SourcePos ToPos(const toml::source_region& region, const std::string& file);

/// Returns the TOML type name of a node for messages ("string", "integer", "table", ...).
std::string TomlTypeName(const toml::node& node);

}  // namespace firedrill
