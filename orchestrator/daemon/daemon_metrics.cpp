#include "orchestrator/daemon/daemon_metrics.h"

#include <fmt/format.h>

namespace firedrill {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string Seconds(Duration d) {
  return fmt::format("{:.3f}", static_cast<double>(d.count()) / 1000);
}

}  // namespace

std::string RenderMetrics(const MetricsSnapshot& m) {
  std::string out;
  Head(out, "firedrill_drills", "gauge", "Scheduled drills by state.");
  std::map<std::string, std::uint64_t> states = {
      {"scheduled", 0}, {"running", 0}, {"done", 0}, {"cancelled", 0}};
  for (const auto& [state, n] : m.drills_by_state) states[state] = n;
  for (const auto& [state, n] : states) {
    out += fmt::format("firedrill_drills{{state=\"{}\"}} {}\n", Escape(state), n);
  }
  Head(out, "firedrill_runs", "gauge", "Drills running now, by phase.");
  for (const auto& [phase, n] : m.runs_by_phase) {
    out += fmt::format("firedrill_runs{{phase=\"{}\"}} {}\n", Escape(phase), n);
  }
  Head(out, "firedrill_faults_in_place", "gauge",
       "Faults the ledger says may be in place (injected, not yet restored).");
  out += fmt::format("firedrill_faults_in_place {}\n", m.faults_in_place);
  Head(out, "firedrill_drill_window_open", "gauge",
       "1 for each drill whose announced window is open now with its run going, by drill and "
       "service (absent otherwise): annotate the team's dashboards with it.");
  for (const OpenWindow& w : m.open_windows) {
    out += fmt::format("firedrill_drill_window_open{{drill=\"{}\",service=\"{}\"}} 1\n",
                       Escape(w.drill), Escape(w.service));
  }
  Head(out, "firedrill_fault_in_place", "gauge",
       "1 for each fault the ledger says may be in place (injected, not yet restored), by drill, "
       "service, fault, kind and target (absent otherwise).");
  for (const PlacedFault& f : m.placed_faults) {
    out += fmt::format(
        "firedrill_fault_in_place{{drill=\"{}\",service=\"{}\",fault=\"{}\",kind=\"{}\","
        "target=\"{}\"}} 1\n",
        Escape(f.drill), Escape(f.service), Escape(f.fault), Escape(f.kind), Escape(f.target));
  }
  Head(out, "firedrill_last_ttd_seconds", "gauge",
       "Time to detect of the last drill of each service, by how it was detected.");
  for (const auto& [service, t] : m.last_by_service) {
    if (t.ttd_human) {
      out += fmt::format("firedrill_last_ttd_seconds{{service=\"{}\",source=\"human\"}} {}\n",
                         Escape(service), Seconds(*t.ttd_human));
    }
    if (t.ttd_alert) {
      out += fmt::format("firedrill_last_ttd_seconds{{service=\"{}\",source=\"alert\"}} {}\n",
                         Escape(service), Seconds(*t.ttd_alert));
    }
  }
  Head(out, "firedrill_last_ttr_seconds", "gauge",
       "Time to recover of the last drill of each service (absent when it was auto-restored).");
  for (const auto& [service, t] : m.last_by_service) {
    if (t.ttr && t.recovered) {
      out += fmt::format("firedrill_last_ttr_seconds{{service=\"{}\"}} {}\n", Escape(service),
                         Seconds(*t.ttr));
    }
  }
  Head(out, "firedrill_last_recovered_by_team", "gauge",
       "1 if the team recovered the last drill of the service, 0 if it was auto-restored.");
  for (const auto& [service, t] : m.last_by_service) {
    out += fmt::format("firedrill_last_recovered_by_team{{service=\"{}\"}} {}\n", Escape(service),
                       t.recovered ? 1 : 0);
  }
  Head(out, "firedrill_restore_failures_total", "counter",
       "Runs that ended with a fault left in place (manual action needed) since the daemon "
       "started.");
  out += fmt::format("firedrill_restore_failures_total {}\n", m.restore_failures);
  Head(out, "firedrill_webhook_deliveries_total", "counter",
       "Alert webhook requests received, by source and result.");
  for (const auto& [key, n] : m.webhook_deliveries) {
    out += fmt::format("firedrill_webhook_deliveries_total{{source=\"{}\",result=\"{}\"}} {}\n",
                       Escape(key.first), Escape(key.second), n);
  }
  Head(out, "firedrill_alerts_firing", "gauge", "Alerts known to be firing now.");
  out += fmt::format("firedrill_alerts_firing {}\n", m.alerts_firing);
  Head(out, "firedrill_alerts_dropped_total", "counter",
       "Firing alerts forgotten to keep the daemon's memory bounded (the least recently heard of "
       "beyond the maximum per source), by source.");
  std::map<std::string, std::uint64_t> dropped = {
      {"alertmanager", 0}, {"grafana", 0}, {"pagerduty", 0}};
  for (const auto& [source, n] : m.alerts_dropped) dropped[source] = n;
  for (const auto& [source, n] : dropped) {
    out += fmt::format("firedrill_alerts_dropped_total{{source=\"{}\"}} {}\n", Escape(source), n);
  }
  Head(out, "firedrill_frozen", "gauge",
       "1 while a freeze stands every drill down (a real incident, or firedrill freeze), else 0.");
  out += fmt::format("firedrill_frozen {}\n", m.frozen ? 1 : 0);
  Head(out, "firedrill_freezes_total", "counter", "Freezes begun, by cause (incident, manual).");
  std::map<std::string, std::uint64_t> freezes = {{"incident", 0}, {"manual", 0}};
  for (const auto& [cause, n] : m.freezes_by_cause) freezes[cause] = n;
  for (const auto& [cause, n] : freezes) {
    out += fmt::format("firedrill_freezes_total{{cause=\"{}\"}} {}\n", Escape(cause), n);
  }
  Head(out, "firedrill_notices_total", "counter", "Chat notices sent, by result.");
  for (const auto& [result, n] : m.notices) {
    out += fmt::format("firedrill_notices_total{{result=\"{}\"}} {}\n", Escape(result), n);
  }
  Head(out, "firedrill_http_connections_open", "gauge", "Connections to the API open now.");
  out += fmt::format("firedrill_http_connections_open {}\n", m.http.connections_open);
  Head(out, "firedrill_http_connections_accepted_total", "counter",
       "Connections to the API let in since the daemon started.");
  out += fmt::format("firedrill_http_connections_accepted_total {}\n", m.http.connections_accepted);
  Head(out, "firedrill_http_connections_closed_early_total", "counter",
       "Connections the daemon closed before answering them, by reason: refused (every "
       "connection held by callers with a token), displaced (a connection without a token yet, "
       "closed to make room for a new one), header_timeout (no TLS handshake or request head in "
       "time).");
  out += fmt::format(
      "firedrill_http_connections_closed_early_total{{reason=\"displaced\"}} {}\n"
      "firedrill_http_connections_closed_early_total{{reason=\"header_timeout\"}} {}\n"
      "firedrill_http_connections_closed_early_total{{reason=\"refused\"}} {}\n",
      m.http.connections_displaced, m.http.header_timeouts, m.http.connections_refused);
  Head(out, "firedrill_http_responses_total", "counter",
       "API responses sent, by status code, whoever answered (413: a body over the limit).");
  for (const auto& [code, n] : m.http.responses) {
    out += fmt::format("firedrill_http_responses_total{{code=\"{}\"}} {}\n", code, n);
  }
  return out;
}

}  // namespace firedrill
