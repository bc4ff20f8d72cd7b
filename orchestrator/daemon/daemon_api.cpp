#include "orchestrator/daemon/daemon_api.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>

#include "drills/drill_loader.h"
#include "drills/timestamp.h"
#include "orchestrator/alerts/webhook_auth.h"

namespace firedrill {
namespace {

namespace json = boost::json;

ControlResponse Refusal(int status, const std::string& message) {
  return ControlResponse{status, json::serialize(json::object{{"error", message}})};
}

// 0 auditor, 1 responder, 2 lead; -1 for anything else.
int Rank(const std::string& role) {
  if (role == "lead") return 2;
  if (role == "responder") return 1;
  if (role == "auditor") return 0;
  return -1;
}

// The role a route needs.
const char* NeededRole(const ControlRequest& r) {
  if (r.method == "GET") return "auditor";
  if (r.route == "/v1/drills/{id}/ack") return "responder";
  return "lead";
}

std::string Field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

constexpr std::string_view kBearer = "Bearer ";

bool IsBearer(std::string_view auth) {
  if (auth.size() <= kBearer.size()) return false;
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i]))) {
      return false;
    }
  }
  return true;
}

// Who the record names: the "by" the caller wrote, and with an API token that token's public
// id, which the caller cannot choose ("alice (token 1a2b3c4d)").
std::string Actor(const ControlRequest& req, const std::string& by) {
  std::string who = by.empty() ? "unknown" : by;
  std::string_view auth = req.authorization;
  if (!IsBearer(auth)) return who;
  std::string_view token = auth.substr(kBearer.size());
  if (!token.starts_with("fdt_") || token.size() < 12) return who;
  return fmt::format("{} (token {})", who, token.substr(4, 8));
}

}  // namespace

ControlResponse DaemonApi::Handle(const ControlRequest& req) {
  if (req.route == "/v1/alerts/{source}") return Webhook(req);
  const char* needed = NeededRole(req);
  if (Rank(req.role) < Rank(needed)) {
    return Refusal(403, fmt::format("this needs the {} role; the token presented has the {} role",
                                    needed, req.role.empty() ? "no" : req.role));
  }
  if (req.route == "/v1/drills" && req.method == "GET") return ops_.List();
  if (req.route == "/v1/blackouts" && req.method == "GET") return ops_.Blackouts();
  if (req.route == "/v1/freeze" && req.method == "GET") return ops_.FreezeState();
  if (req.route == "/metrics") {
    return ControlResponse{200, ops_.Metrics(), "text/plain; version=0.0.4; charset=utf-8"};
  }
  const std::string id = req.params.count("id") != 0 ? req.params.at("id") : std::string();
  if (req.route == "/v1/drills/{id}" && req.method == "GET") return ops_.DrillStatus(id);
  boost::system::error_code ec;
  json::value body = json::parse(req.body.empty() ? "{}" : req.body, ec);
  if (ec || !body.is_object()) return Refusal(400, "the body must be a JSON object");
  json::object& o = body.as_object();
  if (req.route == "/v1/drills/{id}/ack" || req.route == "/v1/drills/{id}/abort") {
    ControlRequest forwarded = req;
    o["by"] = Actor(req, Field(o, "by"));
    forwarded.body = json::serialize(o);
    return ops_.ToRun(id, forwarded);
  }
  std::string by = Actor(req, Field(o, "by"));
  if (req.route == "/v1/drills") {
    if (Field(o, "source").empty())
      return Refusal(400, "\"source\" (the drill file's text) is required");
    // The same limit as for a drill file read from disk: the body may be larger (JSON escapes).
    if (std::size_t n = Field(o, "source").size(); n > kMaxDrillFileBytes) {
      return Refusal(413, fmt::format("the drill file (\"source\") is {} bytes, over the limit "
                                      "of {} bytes (1 MiB)",
                                      n, kMaxDrillFileBytes));
    }
    return ops_.Schedule(Field(o, "file").empty() ? "drill.toml" : Field(o, "file"),
                         Field(o, "source"), by, Field(o, "lead_override"));
  }
  if (req.route == "/v1/freeze") return ops_.Freeze(Field(o, "reason"), by);
  if (req.route == "/v1/unfreeze") return ops_.Unfreeze(Field(o, "reason"), by);
  if (req.route == "/v1/drills/{id}/cancel") {
    return ops_.Cancel(id, Field(o, "reason"), by);
  }
  if (req.route == "/v1/drills/{id}/brief") {
    if (Field(o, "by").empty()) return Refusal(400, "\"by\" is required: who gave the briefing");
    return ops_.Brief(id, by, Field(o, "note"));
  }
  if (req.route == "/v1/blackouts") {
    auto start = ParseRfc3339(Field(o, "start"));
    auto end = ParseRfc3339(Field(o, "end"));
    if (Field(o, "name").empty()) return Refusal(400, "\"name\" is required");
    if (!start || !end) {
      return Refusal(400,
                     "\"start\" and \"end\" must be RFC 3339 times, e.g. "
                     "2027-12-20T00:00:00+01:00");
    }
    return ops_.AddBlackout(Field(o, "name"), *start, *end, by);
  }
  return Refusal(404, "no such route: " + req.route);
}

ControlResponse DaemonApi::Webhook(const ControlRequest& req) {
  const std::string source = req.params.count("source") != 0 ? req.params.at("source") : "";
  if (source != "alertmanager" && source != "grafana" && source != "pagerduty") {
    return Refusal(
        404, fmt::format("no alert receiver \"{}\" (alertmanager, grafana, pagerduty)", source));
  }
  // The parsers' own limit, answered as such rather than as a payload they reject (400).
  if (req.body.size() > kMaxAlertPayloadBytes) {
    ops_.CountWebhook(source, "too_large");
    return Refusal(413, fmt::format("the {} payload is {} bytes, over the limit of {} bytes "
                                    "(1 MiB): send smaller groups (max_alerts)",
                                    source, req.body.size(), kMaxAlertPayloadBytes));
  }
  bool proven = false;
  if (source == "pagerduty") {
    proven = VerifyPagerDutySignature(req.body, req.signature, secrets_.pagerduty_secrets);
  } else if (IsBearer(req.authorization)) {
    std::string_view token = std::string_view(req.authorization).substr(kBearer.size());
    proven = alert_token_digest_ && TokenMatches(token, *alert_token_digest_);
    if (!proven) {
      std::optional<std::string> role = ops_.TokenRole(token);
      proven = role && Rank(*role) >= Rank("responder");
    }
  }
  if (!proven) {
    ops_.CountWebhook(source, "unauthorized");
    return Refusal(401, source == "pagerduty"
                            ? "missing or wrong X-PagerDuty-Signature"
                            : "missing or wrong bearer token for the alert webhook");
  }
  Expected<std::vector<Alert>> alerts = source == "alertmanager"
                                            ? ParseAlertmanagerWebhook(req.body)
                                        : source == "grafana" ? ParseGrafanaWebhook(req.body)
                                                              : ParsePagerDutyWebhook(req.body);
  if (!alerts) {
    ops_.CountWebhook(source, "rejected");
    return Refusal(400, fmt::format("{} payload rejected: {}", source, alerts.error().message));
  }
  ops_.CountWebhook(source, "accepted");
  ops_.Alerts(source, *alerts);
  return ControlResponse{200, json::serialize(json::object{{"accepted", alerts->size()}})};
}

}  // namespace firedrill
