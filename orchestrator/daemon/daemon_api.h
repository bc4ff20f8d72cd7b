// The daemon's HTTP API: its routes, who may call each (roles), and the translation of requests
// into what the daemon does. The server (orchestrator/control) has already authenticated the
// caller and checked size and JSON; the daemon (daemon.h) implements DaemonOps.
#pragma once

#include <optional>
#include <string>

#include "orchestrator/alerts/alert_payload.h"
#include "orchestrator/alerts/webhook_auth.h"
#include "orchestrator/control/control_handler.h"

namespace firedrill {

/// The routes of the daemon's API, version 1 (documented in docs/control-api.md):
///
///   GET  /v1/drills                 auditor    running drills ("drills") and every schedule
///   GET  /v1/drills/{id}            auditor    one drill's schedule and live state
///   POST /v1/drills                 lead       {"file","source","by","lead_override"}: schedule
///   POST /v1/drills/{id}/cancel     lead       {"reason","by"}
///   POST /v1/drills/{id}/brief      lead       {"by","note"}
///   POST /v1/drills/{id}/abort      lead       {"reason","by"}
///   POST /v1/drills/{id}/ack        responder  {"what","by","note"}
///   GET  /v1/blackouts              auditor    the declared blackouts not over yet
///   POST /v1/blackouts              lead       {"name","start","end","by"} (RFC 3339 times)
///   GET  /v1/freeze                 auditor    the freeze that holds, if any
///   POST /v1/freeze                 lead       {"reason","by"}: stand every drill down
///   POST /v1/unfreeze               lead       {"reason","by"}: end the freeze
///   POST /v1/alerts/alertmanager    webhook    Alertmanager v4 payload
///   POST /v1/alerts/grafana         webhook    Grafana unified alerting payload
///   POST /v1/alerts/pagerduty       webhook    PagerDuty v3 payload, X-PagerDuty-Signature
///   GET  /metrics                   auditor    Prometheus text format
inline constexpr ControlRoute kDaemonRoutes[] = {
    {"GET", "/v1/drills"},
    {"POST", "/v1/drills"},
    {"GET", "/v1/drills/{id}"},
    {"POST", "/v1/drills/{id}/cancel"},
    {"POST", "/v1/drills/{id}/brief"},
    {"POST", "/v1/drills/{id}/abort"},
    {"POST", "/v1/drills/{id}/ack"},
    {"GET", "/v1/blackouts"},
    {"POST", "/v1/blackouts"},
    {"GET", "/v1/freeze"},
    {"POST", "/v1/freeze"},
    {"POST", "/v1/unfreeze"},
    {"POST", "/v1/alerts/{source}"},
    {"GET", "/metrics"},
};

/// The path prefix of the alert webhooks, which authenticate themselves.
inline constexpr char kAlertPathPrefix[] = "/v1/alerts/";

/// What the API asks of the daemon. Called on the daemon's loop thread; never blocks for long.
class DaemonOps {
 public:
  virtual ~DaemonOps() = default;
  /// Each returns the HTTP answer: 200/202 with a JSON body, or an error status with
  /// {"error": ...} (404 for an unknown drill, 400 for bad fields, 409 for a wrong state).
  virtual ControlResponse List() = 0;
  virtual ControlResponse DrillStatus(const std::string& id) = 0;
  virtual ControlResponse Schedule(const std::string& file, const std::string& source,
                                   const std::string& by, const std::string& lead_override) = 0;
  virtual ControlResponse Cancel(const std::string& id, const std::string& reason,
                                 const std::string& by) = 0;
  virtual ControlResponse Brief(const std::string& id, const std::string& by,
                                const std::string& note) = 0;
  /// Declares a blackout for every drill (halting running drills it covers).
  virtual ControlResponse AddBlackout(const std::string& name, SysTime start, SysTime end,
                                      const std::string& by) = 0;
  virtual ControlResponse Blackouts() = 0;
  /// The freeze that holds: {"frozen": false} or its facts (Freezer::Json).
  virtual ControlResponse FreezeState() = 0;
  /// Stands every drill down by hand until Unfreeze (409 if a freeze holds).
  virtual ControlResponse Freeze(const std::string& reason, const std::string& by) = 0;
  /// Ends the freeze that holds, whatever its cause (409 if none).
  virtual ControlResponse Unfreeze(const std::string& reason, const std::string& by) = 0;
  /// Forwards an ack or abort to the running drill `id` (404 if it is not running).
  virtual ControlResponse ToRun(const std::string& id, const ControlRequest& request) = 0;
  /// Takes in the alerts of one webhook from `source`.
  virtual void Alerts(const std::string& source, const std::vector<Alert>& alerts) = 0;
  /// Counts a webhook request of `source` by `result` ("accepted", "rejected", "unauthorized",
  /// "too_large").
  virtual void CountWebhook(const std::string& source, const std::string& result) = 0;
  /// Returns the Prometheus text of /metrics.
  virtual std::string Metrics() = 0;
  /// Returns the role of a valid API token, for webhooks that present one instead of a secret.
  virtual std::optional<std::string> TokenRole(std::string_view token) = 0;
};

/// The secrets alert webhooks prove themselves with.
struct WebhookSecrets {
  /// Alertmanager and Grafana: `Authorization: Bearer <this>` (or an API token of a responder
  /// or lead). Empty: only API tokens are accepted.
  std::string alert_token;
  /// PagerDuty v3: the signing secrets of the webhook subscription (several during rotation).
  std::vector<std::string> pagerduty_secrets;
};

/// Answers the daemon's routes: checks the caller's role for the route (403 naming the role
/// needed), the sizes (413: a drill file over kMaxDrillFileBytes, an alert payload over
/// kMaxAlertPayloadBytes), the webhook's proof (401), the fields (400), and calls `ops`.
class DaemonApi : public ControlHandler {
 public:
  /// `ops` must outlive this object.
  DaemonApi(DaemonOps& ops, WebhookSecrets secrets)
      : ops_(ops),
        secrets_(std::move(secrets)),
        alert_token_digest_(secrets_.alert_token.empty()
                                ? std::nullopt
                                : std::optional(DigestToken(secrets_.alert_token))) {}

  ControlResponse Handle(const ControlRequest& request) override;

 private:
  ControlResponse Webhook(const ControlRequest& request);

  DaemonOps& ops_;
  WebhookSecrets secrets_;
  std::optional<TokenDigest> alert_token_digest_;  ///< of secrets_.alert_token, when set
};

}  // namespace firedrill
