#include "orchestrator/demo/demo_drill.h"

#include <fmt/format.h>

#include "drills/zoned_time.h"

namespace firedrill {

std::string DemoDrillToml(const DemoSetup& s) {
  constexpr auto kRestoreTimeout = std::chrono::seconds(5);
  SysTime end = s.window_start + s.active + kRestoreTimeout;
  std::string start_command =
      fmt::format("{} demo-service --port {} --dir {}", s.firedrill_binary, s.port, s.work_dir);
  return fmt::format(R"(# The drill `firedrill demo` runs against its bundled service.
id = "demo-service-crash"
title = "The demo service crashes"
service = "demo"
owner = "you@example.com"
playbook = "docs/drill-file.md"
hypothesis = "The health probe turns red at once; the responder restarts the service within 20s."

[objectives]
detect_within = "10s"
recover_within = "20s"

[window]
start = {start}
end = {end}
zone = "UTC"
grace = "30s"

[announce]
lead = "0s"

[[participants]]
name = "demo-responder"
role = "responder"

[targets.here]
local = true

[[faults]]
id = "kill-demo-service"
kind = "process.kill"
target = "here"
pidfile = "{dir}/demo-service.pid"
signal = "SIGKILL"
start_command = "{start_command}"
restart_within = "4s"
restore_timeout = "{restore_timeout}"

[[probes]]
name = "demo-health"
kind = "http"
target = "here"
url = "http://127.0.0.1:{port}/health"
interval = "500ms"
timeout = "400ms"
healthy_after = 2
)",
                     fmt::arg("start", FormatUtc(s.window_start)), fmt::arg("end", FormatUtc(end)),
                     fmt::arg("dir", s.work_dir), fmt::arg("start_command", start_command),
                     fmt::arg("restore_timeout", FormatDuration(kRestoreTimeout)),
                     fmt::arg("port", s.port));
}

}  // namespace firedrill
