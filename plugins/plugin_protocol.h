// The external fault plugin protocol, version 1 (docs/plugin-protocol.md): one JSON request on the
// plugin's stdin, one JSON response on its stdout. This file only encodes requests and decodes
// responses; plugin_client.h runs the plugin.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/param_schema.h"

namespace firedrill {

/// The protocol version firedrill speaks; sent as "protocol" in every request.
inline constexpr int kPluginProtocolVersion = 1;

/// A response (stdout) longer than this is refused as oversized.
inline constexpr std::size_t kMaxPluginResponseBytes = 1 << 20;

/// A request longer than this is refused before the plugin runs (it travels as a shell heredoc).
inline constexpr std::size_t kMaxPluginRequestBytes = 64 * 1024;

enum class PluginAction { kDescribe, kValidate, kInject, kCheck, kRestore, kSnapshot };

/// Returns the action's wire name: "describe", "validate", "inject", "check", "restore",
/// "snapshot".
std::string_view PluginActionName(PluginAction action);

/// One request to a plugin.
struct PluginRequest {
  PluginAction action = PluginAction::kDescribe;
  std::string drill_id;
  std::string fault_id;
  std::string kind;
  std::string target;
  boost::json::object params;  ///< every parameter, defaults applied, as JSON values
  boost::json::value state;    ///< opaque state from an earlier answer, or null
};

/// Returns the request as one line of compact JSON text (no newline inside), numbers written as
/// PluginJsonText writes them.
std::string EncodePluginRequest(const PluginRequest& request);

/// Returns `value` as compact JSON text, like boost::json::serialize except for numbers, which
/// read as people write them: integers as is ("2"), other numbers as the shortest decimal that
/// reads back the same ("2.5", "0.1", "1e+20"; an integral one as "2", never "2E0"), and a
/// non-finite number as null.
std::string PluginJsonText(const boost::json::value& value);

/// Returns a parameter value as plain text: strings as is, numbers as PluginJsonText writes them,
/// booleans "true"/"false", null as "", arrays item by item joined with `list_separator`, objects
/// as JSON text.
std::string PluginValueText(const boost::json::value& value, std::string_view list_separator);

/// Returns the environment variables a request is also passed as, for plugins in plain sh:
/// FIREDRILL_PROTOCOL, FIREDRILL_ACTION, FIREDRILL_DRILL_ID, FIREDRILL_FAULT_ID,
/// FIREDRILL_FAULT_KIND, FIREDRILL_TARGET, FIREDRILL_FAULT_STATE (compact JSON text of the
/// state; also as FIREDRILL_STATE, its deprecated name, which means the state directory to
/// firedrill itself) and one FIREDRILL_PARAM_<NAME> per parameter (NAME upper-cased, other than
/// [A-Z0-9] turned to '_'): PluginValueText with string lists one per line, durations as written
/// ("30s") plus FIREDRILL_PARAM_<NAME>_MS in milliseconds.
std::map<std::string, std::string> PluginRequestEnv(const PluginRequest& request);

/// A decoded response. `raw` keeps every member, for action-specific fields.
struct PluginResponse {
  bool ok = false;
  std::string message;
  boost::json::value state;      ///< null when absent
  std::optional<bool> in_place;  ///< `check` only
  boost::json::object raw;
  std::string stderr_text;  ///< what the plugin wrote on stderr (truncated), for records
};

/// Decodes `text` (a plugin's stdout). Returns an Error "plugin NAME ACTION: ..." when it is not a
/// JSON object, lacks a boolean "ok", has a non-string "message", or (for `check` with ok true)
/// lacks a boolean "in_place". ok:false is not an Error here; PluginClient turns it into one.
Expected<PluginResponse> DecodePluginResponse(std::string_view text, std::string_view plugin,
                                              PluginAction action);

/// One fault kind as a plugin's `describe` states it.
struct PluginKind {
  std::string plugin;   ///< the plugin's name (from its file name)
  std::string path;     ///< the plugin executable, on the machine firedrill runs on
  std::string name;     ///< e.g. "redis.client-pause"
  std::string summary;  ///< one line
  std::vector<ParamSpec> params;
  std::map<std::string, boost::json::value> defaults;  ///< per parameter, when described
  Duration default_restore_timeout = std::chrono::seconds(30);
  std::string manual;     ///< how to undo it by hand, when described ("" = generic text)
  bool snapshot = false;  ///< the plugin answers the `snapshot` action for this kind
};

/// Turns a `describe` response into kinds of plugin `plugin` at `path`. Returns an Error naming
/// the plugin and the offending member on a missing "kinds" array, a kind without a name, a
/// parameter of an unknown type, a default of the wrong type or an unparsable
/// "default_restore_timeout".
Expected<std::vector<PluginKind>> DecodePluginKinds(const PluginResponse& response,
                                                    std::string_view plugin, std::string_view path);

/// Returns `type` as it is spelled in `describe`: "string", "integer", "number", "boolean",
/// "duration", "string-list".
std::string_view PluginParamTypeName(ParamType type);

/// Returns the checked values of a fault as JSON (durations as text like "30s"), with the
/// kind's `defaults` filled in for absent parameters.
boost::json::object PluginParamsJson(const ParamValues& values,
                                     const std::map<std::string, boost::json::value>& defaults);

}  // namespace firedrill
