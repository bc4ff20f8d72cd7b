// The alert webhooks of the team's monitoring (Prometheus Alertmanager, Grafana alerting,
// PagerDuty v3), read into one normalized Alert. Pure parsing: no I/O, no clock, no
// authentication (see webhook_auth.h); the daemon hands the request body in.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"

namespace firedrill {

/// Bodies larger than this are rejected unread (an Alertmanager group of a few thousand alerts
/// stays well below it).
inline constexpr std::size_t kMaxAlertPayloadBytes = 1024 * 1024;

/// Objects and arrays nested deeper than this are rejected (real payloads nest at most ~5 deep).
inline constexpr std::size_t kMaxAlertPayloadDepth = 32;

/// One alert, whatever system sent it.
struct Alert {
  std::string source;       ///< "alertmanager", "grafana" or "pagerduty"
  std::string status;       ///< "firing" or "resolved"
  std::string fingerprint;  ///< the sender's identity of this alert (PagerDuty: incident id)
  std::map<std::string, std::string> labels;  ///< what Detection::match is compared against
  std::optional<SysTime> starts_at;           ///< when it began firing; absent if not sent
  /// When it stopped (resolved) or will stop firing unless re-sent (endsAt); absent if not sent
  /// or the zero time, as Alertmanager and Grafana send it for firing alerts.
  std::optional<SysTime> ends_at;
  std::string summary;  ///< one line for people; may be empty
};

/// Returns true iff `text` is Go's zero time ("0001-01-01T00:00:00Z", any RFC 3339 spelling of
/// it), which Alertmanager and Grafana write for "no time" (e.g. the endsAt of a firing alert).
bool IsGoZeroTime(std::string_view text);

/// Parses an Alertmanager webhook body (webhook_config, payload "version": "4"): one Alert per
/// element of "alerts". Fails, naming the offending field (e.g. `alerts[2].labels.job`), on
/// text that is not JSON, a body over kMaxAlertPayloadBytes or deeper than kMaxAlertPayloadDepth,
/// another payload version, a missing required field or a field of the wrong type. Required per
/// alert: status, labels (string values), startsAt, fingerprint; endsAt, if present, must be an
/// RFC 3339 time (or Go's zero time). Never throws.
Expected<std::vector<Alert>> ParseAlertmanagerWebhook(std::string_view body);

/// Parses a Grafana (unified alerting) webhook body: one Alert per element of "alerts", with the
/// same rules as ParseAlertmanagerWebhook except that "version" is not checked and "fingerprint"
/// may be absent (older Grafana versions; then it is empty). Never throws.
Expected<std::vector<Alert>> ParseGrafanaWebhook(std::string_view body);

/// Parses a PagerDuty v3 webhook body into at most one Alert (fingerprint = incident id; labels:
/// see docs/alerts.md). A "pagey.ping" test event yields no alert. Fails on a resource that is
/// not an incident, and on the same input errors as the other parsers. Never throws.
Expected<std::vector<Alert>> ParsePagerDutyWebhook(std::string_view body);

}  // namespace firedrill
