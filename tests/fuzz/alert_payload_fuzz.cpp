// Feeds arbitrary bytes to the three alert webhook parsers (Alertmanager, Grafana, PagerDuty).
// They must never crash, hang, leak, throw or trip a sanitizer, whatever the input; they may only
// report an error. The custom mutator (see structure_mutator.h) adds deeply nested arrays and
// objects, megabyte strings and huge arrays, as a hostile sender would.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "orchestrator/alerts/alert_payload.h"
#include "tests/fuzz/structure_mutator.h"

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

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  return firedrill::fuzz::MutateStructure(firedrill::fuzz::Grammar::kJson, data, size, max_size,
                                          seed);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  firedrill::fuzz::NoteInputSize(size);
  std::string_view body(reinterpret_cast<const char*>(data), size);
  CheckAlerts(firedrill::ParseAlertmanagerWebhook(body));
  CheckAlerts(firedrill::ParseGrafanaWebhook(body));
  CheckAlerts(firedrill::ParsePagerDutyWebhook(body));
  return 0;
}
