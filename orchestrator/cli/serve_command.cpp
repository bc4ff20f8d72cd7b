#include "orchestrator/cli/serve_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "orchestrator/control/tls_context.h"
#include "orchestrator/daemon/daemon.h"
#include "orchestrator/daemon/freeze_rule.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/http/http_url.h"
#include "orchestrator/store/state_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// Reads a secret from a file (trailing whitespace dropped).
Expected<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read {}", path)};
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty()) return Error{fmt::format("{} is empty", path)};
  return text;
}

// ADDRESS:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8470, 0.0.0.0:8470, [::]:8470.
Expected<std::pair<std::string, std::uint16_t>> ParseListenAddress(const std::string& text) {
  auto refuse = [&text] {
    return Error(
        fmt::format("takes ADDRESS:PORT (an IP address; IPv6 in brackets), e.g. 127.0.0.1:8470 or "
                    "0.0.0.0:8470, not \"{}\"",
                    text));
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return refuse();
  std::string address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  int port = -1;
  const char* b = text.data() + colon + 1;
  const char* e = text.data() + text.size();
  auto [p, ec] = std::from_chars(b, e, port);
  boost::system::error_code bad;
  boost::asio::ip::make_address(address, bad);
  if (ec != std::errc() || p != e || port < 0 || port > 65535 || bad) return refuse();
  return std::pair{address, static_cast<std::uint16_t>(port)};
}

int RunServe(const Invocation& inv) {
  DaemonOptions o;
  o.state_dir = ResolveStateDir(inv.args.Value("state"));
  if (auto listen = inv.args.Value("listen")) {
    auto address = ParseListenAddress(*listen);
    if (!address) {
      fmt::print(inv.err, "firedrill serve: --listen: {}\n", address.error().message);
      return kExitUsage;
    }
    o.address = address->first;
    o.port = address->second;
  }
  auto cert = inv.args.Value("tls-cert");
  auto key = inv.args.Value("tls-key");
  if (cert.has_value() != key.has_value()) {
    fmt::print(inv.err, "firedrill serve: --tls-cert and --tls-key go together\n");
    return kExitUsage;
  }
  if (cert) {
    auto tls = MakeServerTlsContext(*cert, *key);
    if (!tls) {
      fmt::print(inv.err, "firedrill serve: {}\n", tls.error().message);
      return kExitUsage;
    }
    o.tls = *tls;
    o.tls_cert_file = fs::absolute(*cert).string();
  } else if (boost::system::error_code ec;
             !boost::asio::ip::make_address(o.address, ec).is_loopback()) {
    fmt::print(inv.err,
               "firedrill serve: --listen {}: an address other than loopback needs TLS "
               "(--tls-cert FILE --tls-key FILE): the API carries bearer tokens, which must not "
               "cross a network in clear text\n",
               o.address);
    return kExitUsage;
  }
  if (auto f = inv.args.Value("alert-token-file")) {
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --alert-token-file: {}\n", t.error().message);
      return kExitUsage;
    }
    o.secrets.alert_token = *t;
  }
  if (auto f = inv.args.Value("pagerduty-secret-file")) {
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --pagerduty-secret-file: {}\n", t.error().message);
      return kExitUsage;
    }
    std::stringstream lines(*t);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) o.secrets.pagerduty_secrets.push_back(line);
    }
  }
  for (auto [flag, urls] : {std::pair{"chat-url-file", &o.notices.chat_urls},
                            std::pair{"webhook-url-file", &o.notices.webhook_urls}}) {
    auto f = inv.args.Value(flag);
    if (!f) continue;
    auto t = ReadSecret(*f);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --{}: {}\n", flag, t.error().message);
      return kExitUsage;
    }
    std::stringstream lines(*t);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      if (auto url = ParseHttpUrl(line); !url) {
        fmt::print(inv.err, "firedrill serve: --{}: {}\n", flag, url.error().message);
        return kExitUsage;
      }
      urls->push_back(line);
    }
  }
  auto grafana = inv.args.Value("grafana-url");
  auto grafana_token = inv.args.Value("grafana-token-file");
  if (grafana.has_value() != grafana_token.has_value()) {
    fmt::print(inv.err, "firedrill serve: --grafana-url and --grafana-token-file go together\n");
    return kExitUsage;
  }
  if (grafana) {
    std::string base = *grafana;
    while (!base.empty() && base.back() == '/') base.pop_back();
    o.notices.grafana_url = base + "/api/annotations";
    if (auto url = ParseHttpUrl(o.notices.grafana_url); !url) {
      fmt::print(inv.err, "firedrill serve: --grafana-url: {}\n", url.error().message);
      return kExitUsage;
    }
    auto t = ReadSecret(*grafana_token);
    if (!t) {
      fmt::print(inv.err, "firedrill serve: --grafana-token-file: {}\n", t.error().message);
      return kExitUsage;
    }
    o.notices.grafana_token = *t;
  }
  if (auto labels = inv.args.Value("incident-match")) {
    auto match = ParseLabelMatch(*labels);
    if (!match) {
      fmt::print(inv.err, "firedrill serve: --incident-match: {}\n", match.error().message);
      return kExitUsage;
    }
    o.incident.match = std::move(*match);
  }
  if (auto cooldown = inv.args.Value("incident-cooldown")) {
    auto d = ParseDuration(*cooldown);
    if (!d || *d < Duration(0)) {
      fmt::print(inv.err,
                 "firedrill serve: --incident-cooldown takes a duration such as 15m, not \"{}\"\n",
                 *cooldown);
      return kExitUsage;
    }
    if (o.incident.match.empty()) {
      fmt::print(inv.err, "firedrill serve: --incident-cooldown needs --incident-match\n");
      return kExitUsage;
    }
    o.incident.cooldown = *d;
  }
  Daemon daemon(std::move(o), inv.out, inv.err);
  return daemon.Run();
}

}  // namespace

Command ServeCommand() {
  return Command{
      "serve",
      "firedrill serve [--listen ADDR:PORT] [--tls-cert F --tls-key F] [--alert-token-file F] "
      "[--pagerduty-secret-file F] [--chat-url-file F] [--webhook-url-file F] "
      "[--grafana-url URL --grafana-token-file F] [--incident-match LABELS [--incident-cooldown "
      "D]] [--state DIR]",
      "the daemon: runs every scheduled drill when its window opens, serves the API",
      "Runs in the foreground until SIGINT or SIGTERM (run it as a service: see\n"
      "docs/running-the-daemon.md). On start it first restores anything the fault ledger says\n"
      "is still in place, then loads the schedules of the state directory and runs each drill\n"
      "when its window opens, several at once when their windows overlap. It serves the HTTP\n"
      "API (docs/control-api.md) for schedules, acks, alert webhooks and /metrics, and\n"
      "publishes its address in control.json, so that the other commands talk to it. On\n"
      "SIGTERM every running drill is aborted and restored before the daemon exits.\n"
      "\n"
      "Options:\n"
      "  --listen ADDR:PORT          where the API listens (default 127.0.0.1 on a free port);\n"
      "                              an address other than loopback (0.0.0.0:8470, [::]:8470)\n"
      "                              needs TLS\n"
      "  --tls-cert F --tls-key F    serve HTTPS only, with this certificate chain and private\n"
      "                              key (PEM, TLS 1.2 or later). Responders elsewhere use\n"
      "                              FIREDRILL_API=https://HOST:PORT, FIREDRILL_TOKEN and, for a\n"
      "                              certificate no system CA signed, FIREDRILL_CA_FILE\n"
      "  --alert-token-file F        the bearer token Alertmanager and Grafana send\n"
      "  --pagerduty-secret-file F   PagerDuty webhook signing secrets, one per line\n"
      "  --chat-url-file F           Slack-compatible incoming-webhook URLs, one per line, for\n"
      "                              drills with \"chat\" in announce.channels\n"
      "  --webhook-url-file F        generic JSON webhook URLs, one per line, for drills with\n"
      "                              \"webhook\" in announce.channels\n"
      "  --grafana-url URL           annotate Grafana's dashboards at each run's T0 and restore\n"
      "                              (POST URL/api/annotations, tags firedrill, drill:ID,\n"
      "                              service:NAME), for every drill\n"
      "  --grafana-token-file F      the Grafana service account token it sends (Bearer)\n"
      "  --incident-match LABELS     the real-incident rule, name=value[,name=value...], e.g.\n"
      "                              severity=critical: a firing alert with these labels that\n"
      "                              matches no running drill's detection aborts and restores\n"
      "                              every drill and vetoes injections (a freeze) until its\n"
      "                              alerts resolve plus the cool-down (docs/freezes.md)\n"
      "  --incident-cooldown D       how long a freeze holds after the incident's last alert\n"
      "                              resolved (default 15m)\n"
      "\n"
      "Exit status: 0 stopped cleanly; 2 wrong use (a bad flag, an unreadable secret file);\n"
      "4 the state directory or the address cannot be used, or another firedrill process runs\n"
      "drills on it.\n",
      ArgSpec{{},
              {"listen", "tls-cert", "tls-key", "alert-token-file", "pagerduty-secret-file",
               "chat-url-file", "webhook-url-file", "grafana-url", "grafana-token-file",
               "incident-match", "incident-cooldown"},
              0,
              0},
      RunServe};
}

}  // namespace firedrill
