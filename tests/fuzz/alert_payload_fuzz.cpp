// Feeds arbitrary bytes to the three alert webhook parsers (Alertmanager, Grafana, PagerDuty).
// They must never crash, hang, leak, throw or trip a sanitizer, whatever the input; they may only
// report an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "orchestrator/alerts/alert_payload.h"

namespace {

// Every alert a parser returns is complete: a known source and status.
void CheckAlerts(const firedrill::Expected<std::vector<firedrill::Alert>>& r) {
  if (!r.ok()) {
    if (r.error().message.empty()) __builtin_trap();
    return;
  }
  for (const firedrill::Alert& a : *r) {
    if (a.status != "firing" && a.status != "resolved") __builtin_trap();
    if (a.source.empty()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  CheckAlerts(firedrill::ParseAlertmanagerWebhook(body));
  CheckAlerts(firedrill::ParseGrafanaWebhook(body));
  CheckAlerts(firedrill::ParsePagerDutyWebhook(body));
  return 0;
}
