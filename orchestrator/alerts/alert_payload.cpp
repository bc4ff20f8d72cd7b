#include "orchestrator/alerts/alert_payload.h"

#include <boost/json.hpp>
#include <exception>
#include <string>
#include <utility>

#include "drills/timestamp.h"

namespace firedrill {
namespace {

namespace json = boost::json;

const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Field names come from the network: quote at most a short prefix of them in messages.
std::string Shown(std::string_view s) {
  return s.size() > 64 ? std::string(s.substr(0, 64)) + "..." : std::string(s);
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? Shown(key) : path + "." + Shown(key);
}

Error WrongType(const std::string& path, const char* want, const json::value& got) {
  return Error(path + ": expected " + want + ", got " + KindName(got));
}

Error Missing(const std::string& path) { return Error(path + ": missing"); }

Expected<json::object> ParseObject(std::string_view body, std::string_view what) {
  if (body.size() > kMaxAlertPayloadBytes) {
    return Error(std::string(what) + " payload too large: " + std::to_string(body.size()) +
                 " bytes, limit " + std::to_string(kMaxAlertPayloadBytes));
  }
  json::parse_options opts;
  opts.max_depth = kMaxAlertPayloadDepth;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec, {}, opts);
  if (ec) return Error(std::string(what) + " payload is not valid JSON: " + ec.message());
  if (!v.is_object()) return WrongType(std::string(what) + " payload", "an object", v);
  return std::move(v.as_object());
}

// A string member: nullopt value with no error when absent and !required.
Expected<std::optional<std::string>> StringField(const json::object& o, std::string_view key,
                                                 const std::string& path, bool required) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  std::string where = Join(path, key);
  if (v == nullptr) {
    if (required) return Missing(where);
    return std::optional<std::string>();
  }
  if (!v->is_string()) return WrongType(where, "a string", *v);
  return std::optional<std::string>(std::string(v->as_string()));
}

// An object member whose values are all strings (labels, annotations).
Expected<std::map<std::string, std::string>> StringMapField(const json::object& o,
                                                            std::string_view key,
                                                            const std::string& path,
                                                            bool required) {
  std::map<std::string, std::string> out;
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  std::string where = Join(path, key);
  if (v == nullptr) {
    if (required) return Missing(where);
    return out;
  }
  if (!v->is_object()) return WrongType(where, "an object", *v);
  for (const auto& kv : v->as_object()) {
    std::string_view k(kv.key().data(), kv.key().size());
    if (!kv.value().is_string()) return WrongType(Join(where, k), "a string", kv.value());
    out.emplace(std::string(k), std::string(kv.value().as_string()));
  }
  return out;
}

Expected<std::string> StatusField(const json::object& o, const std::string& path) {
  auto s = StringField(o, "status", path, true);
  if (!s) return s.error();
  if (**s != "firing" && **s != "resolved") {
    return Error(Join(path, "status") + ": expected \"firing\" or \"resolved\", got \"" +
                 Shown(**s) + "\"");
  }
  return **s;
}

// Reads the "alerts" array shared by Alertmanager and Grafana payloads.
Expected<std::vector<Alert>> AlertsArray(const json::object& root, const char* source,
                                         bool fingerprint_required) {
  const json::value* arr = root.if_contains("alerts");
  if (arr == nullptr) return Missing("alerts");
  if (!arr->is_array()) return WrongType("alerts", "an array", *arr);
  std::vector<Alert> out;
  out.reserve(arr->as_array().size());
  std::size_t i = 0;
  for (const json::value& item : arr->as_array()) {
    std::string path = "alerts[" + std::to_string(i++) + "]";
    if (!item.is_object()) return WrongType(path, "an object", item);
    const json::object& o = item.as_object();
    Alert a;
    a.source = source;
    auto status = StatusField(o, path);
    if (!status) return status.error();
    a.status = std::move(*status);
    auto labels = StringMapField(o, "labels", path, true);
    if (!labels) return labels.error();
    a.labels = std::move(*labels);
    auto annotations = StringMapField(o, "annotations", path, false);
    if (!annotations) return annotations.error();
    if (auto it = annotations->find("summary"); it != annotations->end()) {
      a.summary = it->second;
    } else if (auto d = annotations->find("description"); d != annotations->end()) {
      a.summary = d->second;
    }
    auto fingerprint = StringField(o, "fingerprint", path, fingerprint_required);
    if (!fingerprint) return fingerprint.error();
    a.fingerprint = fingerprint->value_or("");
    auto starts = StringField(o, "startsAt", path, true);
    if (!starts) return starts.error();
    if (!IsGoZeroTime(**starts)) {
      auto t = ParseRfc3339(**starts);
      if (!t) return Error(Join(path, "startsAt") + ": " + t.error().message);
      a.starts_at = *t;
    }
    auto ends = StringField(o, "endsAt", path, false);
    if (!ends) return ends.error();
    if (*ends && !IsGoZeroTime(**ends)) {
      auto t = ParseRfc3339(**ends);
      if (!t) return Error(Join(path, "endsAt") + ": " + t.error().message);
      a.ends_at = *t;
    }
    out.push_back(std::move(a));
  }
  return out;
}

Expected<std::vector<Alert>> ParseAlertmanager(std::string_view body) {
  auto root = ParseObject(body, "Alertmanager");
  if (!root) return root.error();
  auto version = StringField(*root, "version", "", true);
  if (!version) return version.error();
  if (**version != "4") {
    return Error("version: Alertmanager webhook payload version \"" + Shown(**version) +
                 "\" is not supported (only \"4\")");
  }
  auto status = StatusField(*root, "");
  if (!status) return status.error();
  return AlertsArray(*root, "alertmanager", true);
}

Expected<std::vector<Alert>> ParseGrafana(std::string_view body) {
  auto root = ParseObject(body, "Grafana");
  if (!root) return root.error();
  // Legacy (pre-unified) Grafana alerts carry "ruleName"/"evalMatches" and no "alerts".
  if (!root->contains("alerts") && root->contains("evalMatches")) {
    return Error("alerts: legacy Grafana alert notification; only unified alerting is supported");
  }
  return AlertsArray(*root, "grafana", false);
}

// Copies a string member of `o`, if present and a string, into labels[label].
void CopyLabel(const json::object& o, std::string_view key, const std::string& label,
               std::map<std::string, std::string>* labels) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v != nullptr && v->is_string()) (*labels)[label] = std::string(v->as_string());
}

Expected<std::vector<Alert>> ParsePagerDuty(std::string_view body) {
  auto root = ParseObject(body, "PagerDuty");
  if (!root) return root.error();
  const json::value* ev = root->if_contains("event");
  if (ev == nullptr) return Missing("event");
  if (!ev->is_object()) return WrongType("event", "an object", *ev);
  const json::object& event = ev->as_object();
  auto event_type = StringField(event, "event_type", "event", true);
  if (!event_type) return event_type.error();
  if (**event_type == "pagey.ping") return std::vector<Alert>{};
  const json::value* dv = event.if_contains("data");
  if (dv == nullptr) return Missing("event.data");
  if (!dv->is_object()) return WrongType("event.data", "an object", *dv);
  const json::object& data = dv->as_object();
  auto type = StringField(data, "type", "event.data", true);
  if (!type) return type.error();
  if (**type != "incident") {
    return Error("event.data.type: \"" + Shown(**type) +
                 "\" events are not alerts (only incident)");
  }
  Alert a;
  a.source = "pagerduty";
  auto id = StringField(data, "id", "event.data", true);
  if (!id) return id.error();
  a.fingerprint = std::move(**id);
  auto title = StringField(data, "title", "event.data", false);
  if (!title) return title.error();
  a.summary = title->value_or("");
  auto status = StringField(data, "status", "event.data", false);
  if (!status) return status.error();
  bool resolved = **event_type == "incident.resolved" || status->value_or("") == "resolved";
  a.status = resolved ? "resolved" : "firing";

  // When the incident began: created_at, else the time of this event.
  auto created = StringField(data, "created_at", "event.data", false);
  if (!created) return created.error();
  auto occurred = StringField(event, "occurred_at", "event", false);
  if (!occurred) return occurred.error();
  if (created->has_value()) {
    auto t = ParseRfc3339(**created);
    if (!t) return Error("event.data.created_at: " + t.error().message);
    a.starts_at = *t;
  } else if (occurred->has_value()) {
    auto t = ParseRfc3339(**occurred);
    if (!t) return Error("event.occurred_at: " + t.error().message);
    a.starts_at = *t;
  }

  a.labels["event_type"] = **event_type;
  if (title->has_value()) a.labels["title"] = **title;
  if (status->has_value()) a.labels["incident_status"] = **status;
  CopyLabel(data, "urgency", "urgency", &a.labels);
  CopyLabel(data, "incident_key", "incident_key", &a.labels);
  for (const auto& [member, prefix] : {std::pair<const char*, std::string>{"service", "service"},
                                       {"priority", "priority"},
                                       {"escalation_policy", "escalation_policy"}}) {
    const json::value* ref = data.if_contains(member);
    if (ref == nullptr || ref->is_null()) continue;
    if (!ref->is_object()) return WrongType(Join("event.data", member), "an object", *ref);
    CopyLabel(ref->as_object(), "summary", prefix, &a.labels);
    CopyLabel(ref->as_object(), "id", prefix + "_id", &a.labels);
  }
  return std::vector<Alert>{std::move(a)};
}

// The parsers never throw: anything unexpected (allocation failure included) becomes an Error.
template <typename F>
Expected<std::vector<Alert>> NoThrow(F&& parse, std::string_view body) {
  try {
    return parse(body);
  } catch (const std::exception& e) {
    return Error(std::string("alert payload could not be read: ") + e.what());
  } catch (...) {
    return Error("alert payload could not be read");
  }
}

}  // namespace

Expected<std::vector<Alert>> ParseAlertmanagerWebhook(std::string_view body) {
  return NoThrow(ParseAlertmanager, body);
}

Expected<std::vector<Alert>> ParseGrafanaWebhook(std::string_view body) {
  return NoThrow(ParseGrafana, body);
}

Expected<std::vector<Alert>> ParsePagerDutyWebhook(std::string_view body) {
  return NoThrow(ParsePagerDuty, body);
}

bool IsGoZeroTime(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) return false;
  namespace ch = std::chrono;
  return *t == SysTime{ch::sys_days{ch::year{1} / ch::January / 1}};
}

}  // namespace firedrill
