// Encoding requests and decoding responses of plugin protocol version 1.
#include "plugins/plugin_protocol.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <variant>

namespace firedrill {
namespace json = boost::json;

namespace {

std::string EnvName(std::string_view name) {
  std::string out = "FIREDRILL_PARAM_";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) != 0 ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

// Appends `v` to `out` as PluginJsonText writes it.
void AppendJson(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::double_: {
      const double d = v.get_double();
      // 2^53: every integer below it is exact in a double, and prints without a fraction.
      constexpr double kExactIntegers = 9007199254740992.0;
      if (!std::isfinite(d)) {
        out += "null";
      } else if (std::trunc(d) == d && std::fabs(d) < kExactIntegers) {
        out += fmt::format("{}", static_cast<std::int64_t>(d));
      } else {
        out += fmt::format("{}", d);  // the shortest text that reads back as the same double
      }
      return;
    }
    case json::kind::array: {
      out += '[';
      const char* sep = "";
      for (const json::value& item : v.get_array()) {
        out += sep;
        AppendJson(item, out);
        sep = ",";
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      const char* sep = "";
      for (const auto& [key, item] : v.get_object()) {
        out += sep;
        out += json::serialize(json::string_view(key));
        out += ':';
        AppendJson(item, out);
        sep = ",";
      }
      out += '}';
      return;
    }
    default:
      out += json::serialize(v);
      return;
  }
}

std::optional<ParamType> ParseType(std::string_view name) {
  if (name == "string") return ParamType::kString;
  if (name == "integer") return ParamType::kInteger;
  if (name == "number") return ParamType::kNumber;
  if (name == "boolean") return ParamType::kBool;
  if (name == "duration") return ParamType::kDuration;
  if (name == "string-list") return ParamType::kStringList;
  return std::nullopt;
}

// True iff `v` is a valid default for a parameter of `type`.
bool DefaultFits(ParamType type, const json::value& v) {
  switch (type) {
    case ParamType::kString:
      return v.is_string();
    case ParamType::kInteger:
      return v.is_int64() || v.is_uint64();
    case ParamType::kNumber:
      return v.is_number();
    case ParamType::kBool:
      return v.is_bool();
    case ParamType::kDuration:
      return v.is_string() && ParseDuration(v.as_string()).ok();
    case ParamType::kStringList:
      if (!v.is_array()) return false;
      for (const json::value& item : v.as_array()) {
        if (!item.is_string()) return false;
      }
      return true;
  }
  return false;
}

std::string OptionalString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return "";
  return std::string(v->as_string());
}

}  // namespace

std::string_view PluginActionName(PluginAction action) {
  switch (action) {
    case PluginAction::kDescribe:
      return "describe";
    case PluginAction::kValidate:
      return "validate";
    case PluginAction::kInject:
      return "inject";
    case PluginAction::kCheck:
      return "check";
    case PluginAction::kRestore:
      return "restore";
    case PluginAction::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

std::string_view PluginParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBool:
      return "boolean";
    case ParamType::kDuration:
      return "duration";
    case ParamType::kStringList:
      return "string-list";
  }
  return "string";
}

std::string PluginJsonText(const json::value& value) {
  std::string out;
  AppendJson(value, out);
  return out;
}

std::string PluginValueText(const json::value& value, std::string_view list_separator) {
  if (const json::string* s = value.if_string()) return std::string(*s);
  if (value.is_null()) return "";
  if (const json::array* a = value.if_array()) {
    std::string out;
    for (const json::value& item : *a) {
      if (!out.empty()) out += list_separator;
      out += PluginValueText(item, list_separator);
    }
    return out;
  }
  return PluginJsonText(value);
}

std::string EncodePluginRequest(const PluginRequest& request) {
  json::object o;
  o["protocol"] = kPluginProtocolVersion;
  o["action"] = PluginActionName(request.action);
  o["drill"] = json::object{{"id", request.drill_id}};
  o["fault"] =
      json::object{{"id", request.fault_id}, {"kind", request.kind}, {"target", request.target}};
  o["params"] = request.params;
  o["state"] = request.state;
  return PluginJsonText(o);
}

std::map<std::string, std::string> PluginRequestEnv(const PluginRequest& request) {
  std::map<std::string, std::string> env;
  env["FIREDRILL_PROTOCOL"] = std::to_string(kPluginProtocolVersion);
  env["FIREDRILL_ACTION"] = std::string(PluginActionName(request.action));
  env["FIREDRILL_DRILL_ID"] = request.drill_id;
  env["FIREDRILL_FAULT_ID"] = request.fault_id;
  env["FIREDRILL_FAULT_KIND"] = request.kind;
  env["FIREDRILL_TARGET"] = request.target;
  env["FIREDRILL_FAULT_STATE"] = PluginJsonText(request.state);
  // The name of protocol 1's first release, kept for the plugins written then; to firedrill
  // itself FIREDRILL_STATE is the state directory, hence the new name.
  env["FIREDRILL_STATE"] = env["FIREDRILL_FAULT_STATE"];
  for (const auto& [name, value] : request.params) {
    const std::string key = EnvName(name);
    env[key] = PluginValueText(value, "\n");
    if (value.is_string()) {
      if (Expected<Duration> d = ParseDuration(value.as_string()); d.ok()) {
        env[key + "_MS"] = std::to_string(d->count());
      }
    }
  }
  return env;
}

Expected<PluginResponse> DecodePluginResponse(std::string_view text, std::string_view plugin,
                                              PluginAction action) {
  const std::string_view act = PluginActionName(action);
  if (text.size() > kMaxPluginResponseBytes) {
    return Error(fmt::format("plugin {} {}: response of {} bytes exceeds the {} byte limit", plugin,
                             act, text.size(), kMaxPluginResponseBytes));
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    std::string shown(text.substr(0, 80));
    for (char& c : shown) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    if (shown.empty()) {
      return Error(fmt::format("plugin {} {}: printed no response on stdout", plugin, act));
    }
    return Error(fmt::format("plugin {} {}: response is not JSON ({}): \"{}{}\"", plugin, act,
                             ec.message(), shown, text.size() > 80 ? "..." : ""));
  }
  if (!v.is_object()) {
    return Error(fmt::format("plugin {} {}: response is not a JSON object", plugin, act));
  }
  PluginResponse r;
  r.raw = std::move(v.as_object());
  const json::value* ok = r.raw.if_contains("ok");
  if (ok == nullptr || !ok->is_bool()) {
    return Error(fmt::format("plugin {} {}: response lacks the boolean \"ok\"", plugin, act));
  }
  r.ok = ok->as_bool();
  if (const json::value* m = r.raw.if_contains("message")) {
    if (!m->is_string() && !m->is_null()) {
      return Error(fmt::format("plugin {} {}: \"message\" is not a string", plugin, act));
    }
    if (m->is_string()) r.message = std::string(m->as_string());
  }
  if (const json::value* s = r.raw.if_contains("state")) r.state = *s;
  if (r.ok && action == PluginAction::kCheck) {
    const json::value* in_place = r.raw.if_contains("in_place");
    if (in_place == nullptr || !in_place->is_bool()) {
      return Error(fmt::format("plugin {} check: response lacks the boolean \"in_place\"", plugin));
    }
    r.in_place = in_place->as_bool();
  }
  return r;
}

Expected<std::vector<PluginKind>> DecodePluginKinds(const PluginResponse& response,
                                                    std::string_view plugin,
                                                    std::string_view path) {
  auto fail = [&](const std::string& what) {
    return Error(fmt::format("plugin {} describe: {}", plugin, what));
  };
  const json::value* kinds = response.raw.if_contains("kinds");
  if (kinds == nullptr || !kinds->is_array()) return fail("response lacks the array \"kinds\"");
  std::vector<PluginKind> out;
  for (const json::value& k : kinds->as_array()) {
    if (!k.is_object()) return fail("an entry of \"kinds\" is not an object");
    const json::object& ko = k.as_object();
    PluginKind kind;
    kind.plugin = std::string(plugin);
    kind.path = std::string(path);
    kind.name = OptionalString(ko, "name");
    if (kind.name.empty()) return fail("a kind has no \"name\"");
    kind.summary = OptionalString(ko, "summary");
    if (kind.summary.empty()) kind.summary = fmt::format("fault kind of plugin {}", plugin);
    kind.manual = OptionalString(ko, "manual");
    if (const json::value* s = ko.if_contains("snapshot"); s != nullptr && s->is_bool()) {
      kind.snapshot = s->as_bool();
    }
    if (const json::value* t = ko.if_contains("default_restore_timeout")) {
      Expected<Duration> d =
          t->is_string() ? ParseDuration(t->as_string()) : Expected<Duration>(Error("not text"));
      if (!d || *d <= Duration::zero()) {
        return fail(
            fmt::format("kind {}: \"default_restore_timeout\" must be a positive "
                        "duration like \"10s\"",
                        kind.name));
      }
      kind.default_restore_timeout = *d;
    }
    if (const json::value* ps = ko.if_contains("params")) {
      if (!ps->is_array())
        return fail(fmt::format("kind {}: \"params\" is not an array", kind.name));
      for (const json::value& p : ps->as_array()) {
        if (!p.is_object()) {
          return fail(fmt::format("kind {}: a parameter is not an object", kind.name));
        }
        const json::object& po = p.as_object();
        ParamSpec spec;
        spec.name = OptionalString(po, "name");
        if (spec.name.empty()) {
          return fail(fmt::format("kind {}: a parameter has no \"name\"", kind.name));
        }
        const std::string type = OptionalString(po, "type");
        std::optional<ParamType> parsed = ParseType(type.empty() ? "string" : type);
        if (!parsed) {
          return fail(
              fmt::format("kind {}: parameter {} has unknown type \"{}\" (one of string, "
                          "integer, number, boolean, duration, string-list)",
                          kind.name, spec.name, type));
        }
        spec.type = *parsed;
        if (const json::value* r = po.if_contains("required"); r != nullptr && r->is_bool()) {
          spec.required = r->as_bool();
        }
        spec.doc = OptionalString(po, "help");
        if (const json::value* one_of = po.if_contains("one_of");
            one_of != nullptr && one_of->is_array()) {
          for (const json::value& o : one_of->as_array()) {
            if (o.is_string()) spec.one_of.emplace_back(o.as_string());
          }
        }
        if (const json::value* mn = po.if_contains("min"); mn != nullptr && mn->is_number()) {
          spec.min = mn->to_number<double>();
        }
        if (const json::value* mx = po.if_contains("max"); mx != nullptr && mx->is_number()) {
          spec.max = mx->to_number<double>();
        }
        if (const json::value* d = po.if_contains("default"); d != nullptr && !d->is_null()) {
          if (!DefaultFits(spec.type, *d)) {
            return fail(fmt::format("kind {}: the default of parameter {} is not a {}", kind.name,
                                    spec.name, PluginParamTypeName(spec.type)));
          }
          kind.defaults[spec.name] = *d;
          spec.doc += fmt::format(" (default {})", PluginJsonText(*d));
        }
        kind.params.push_back(std::move(spec));
      }
    }
    out.push_back(std::move(kind));
  }
  return out;
}

json::object PluginParamsJson(const ParamValues& values,
                              const std::map<std::string, json::value>& defaults) {
  json::object o;
  for (const auto& [name, def] : defaults) o[name] = def;
  for (const auto& [name, pv] : values.All()) {
    json::value v;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Duration>) {
            v = FormatDuration(x);
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            json::array a;
            for (const std::string& s : x) a.emplace_back(s);
            v = std::move(a);
          } else {
            v = x;
          }
        },
        pv.value);
    o[name] = std::move(v);
  }
  return o;
}

}  // namespace firedrill
