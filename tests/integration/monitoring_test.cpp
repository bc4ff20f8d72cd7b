// The daemon with real monitoring: Prometheus scrapes a small service and firedrill's own
// /metrics, its alert rule fires when the drill freezes the service, Alertmanager delivers the
// alert to the daemon's webhook, and the drill records it as its detection. Needs Prometheus and
// Alertmanager on PATH (Debian packages prometheus and prometheus-alertmanager); skipped, with
// the reason printed, without them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/schedule_table.h"
#include "tests/integration/daemon_support.h"
#include "tests/integration/e2e_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"

using namespace firedrill;
using firedrill::testing::EventKinds;
using firedrill::testing::Eventually;
using firedrill::testing::Firedrill;
using firedrill::testing::Has;
using firedrill::testing::StateOf;
using firedrill::testing::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr char kMonitoringAlertToken[] = "alert-secret-for-monitoring-tests";
constexpr char kDrillId[] = "monitoring";
// How long the service stays frozen: long enough for scrape (1 s), rule evaluation (1 s),
// Prometheus' notification and Alertmanager's delivery, many times over.
constexpr auto kActive = 20s;

using firedrill::testing::ReadFile;

// The first executable named one of `names` in a directory of $PATH.
std::optional<fs::path> InPath(const std::vector<std::string>& names) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  for (const std::string& name : names) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      fs::path candidate = fs::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return std::nullopt;
}

// A program as a child process, its output in `log`; killed (SIGKILL) and reaped at scope exit,
// and killed by the kernel should this test process die first.
class Child {
 public:
  Child(const fs::path& log, std::vector<std::string> argv) : log_(log) {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      FILE* f = std::fopen(log.c_str(), "w");
      if (f == nullptr) ::_exit(127);
      ::dup2(::fileno(f), 1);
      ::dup2(::fileno(f), 2);
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::string Output() const { return ReadFile(log_); }

  // The port it logged "Listening on" (Prometheus and Alertmanager both do, once bound to an
  // address given with port 0); fails the test if it exits or does not log it within 15 s.
  int ListenPort() {
    static const std::regex kListening(R"re("Listening on" address=127\.0\.0\.1:(\d+))re");
    std::smatch m;
    std::string out;
    bool found = false;
    Eventually(
        [&] {
          out = Output();
          found = std::regex_search(out, m, kListening);
          if (!found && !reaped_ && ::waitpid(pid_, nullptr, WNOHANG) == pid_) reaped_ = true;
          return found || reaped_;
        },
        15s);
    INFO(out);
    REQUIRE(found);
    return std::stoi(m[1].str());
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A tiny service with valid Prometheus metrics (GET anything → 200 "demo_requests_total N"),
// in a child process on a free loopback port, its pid in `pidfile`: what the drill freezes.
class MetricsTarget {
 public:
  explicit MetricsTarget(const fs::path& pidfile) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 64) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) Serve(fd);
    ::close(fd);
    std::ofstream(pidfile) << pid_ << "\n";
  }
  ~MetricsTarget() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  MetricsTarget(const MetricsTarget&) = delete;
  MetricsTarget& operator=(const MetricsTarget&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  // The child: one request per connection, answered in order. Only system calls: it is a fork.
  [[noreturn]] static void Serve(int listener) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGPIPE, SIG_IGN);  // scrapes given up on while it was frozen are closed
    for (unsigned long n = 1;; ++n) {
      int c = ::accept(listener, nullptr, nullptr);
      if (c < 0) continue;
      timeval two_seconds{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
      char request[4096];
      ::recv(c, request, sizeof request, 0);
      char body[64];
      int body_len = std::snprintf(body, sizeof body, "demo_requests_total %lu\n", n);
      char response[256];
      int len = std::snprintf(response, sizeof response,
                              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                              "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                              body_len, body);
      ::send(c, response, static_cast<std::size_t>(len), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  int port_ = 0;
  pid_t pid_ = -1;
};

using firedrill::testing::ProcState;

struct HttpAnswer {
  int status = 0;
  std::string body;
};

asio::awaitable<void> Get(int port, std::string target, std::optional<HttpAnswer>& out) {
  constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(5s);
  asio::ip::tcp::endpoint peer(asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(port));
  std::tuple<beast::error_code> connected = co_await stream.async_connect(peer, kAsTuple);
  if (std::get<0>(connected)) co_return;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  std::tuple<beast::error_code, std::size_t> written =
      co_await http::async_write(stream, req, kAsTuple);
  if (std::get<0>(written)) co_return;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  std::tuple<beast::error_code, std::size_t> read =
      co_await http::async_read(stream, buffer, res, kAsTuple);
  if (std::get<0>(read)) co_return;
  out = HttpAnswer{static_cast<int>(res.result_int()), res.body()};
}

// GET http://127.0.0.1:`port``target`, all within 5 s; nullopt if there is no full answer.
std::optional<HttpAnswer> HttpGet(int port, const std::string& target) {
  asio::io_context io;
  std::optional<HttpAnswer> out;
  asio::co_spawn(io, Get(port, target, out), asio::detached);
  io.run();
  return out;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The value of the only series an instant PromQL query returns; nullopt if it returns none or
// several, or Prometheus does not answer.
std::optional<double> PromValue(int port, const std::string& query) {
  auto r = HttpGet(port, "/api/v1/query?query=" + UrlEncode(query));
  if (!r || r->status != 200) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::value* result = v.find_pointer("/data/result", ec);
  if (result == nullptr || !result->is_array() || result->as_array().size() != 1) {
    return std::nullopt;
  }
  const json::value* value = result->as_array()[0].find_pointer("/value/1", ec);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::stod(std::string(value->as_string()));
}

// The times of the samples a range query of `query` from `from` to `to`, one step a second,
// returns for its only series (at value 1); empty if it returns none or several.
std::vector<SysTime> PromRange(int port, const std::string& query, SysTime from, SysTime to) {
  auto seconds = [](SysTime t) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  };
  std::vector<SysTime> out;
  auto r = HttpGet(port, "/api/v1/query_range?query=" + UrlEncode(query) +
                             "&start=" + seconds(from) + "&end=" + seconds(to) + "&step=1");
  if (!r || r->status != 200) return out;
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return out;
  const json::value* result = v.find_pointer("/data/result", ec);
  if (result == nullptr || !result->is_array() || result->as_array().size() != 1) return out;
  const json::value* values = result->as_array()[0].find_pointer("/values", ec);
  if (values == nullptr || !values->is_array()) return out;
  for (const json::value& p : values->as_array()) {
    if (!p.is_array() || p.as_array().size() != 2 || !p.as_array()[1].is_string() ||
        p.as_array()[1].as_string() != "1") {
      continue;
    }
    const double at = p.as_array()[0].is_double() ? p.as_array()[0].as_double()
                                                  : static_cast<double>(p.as_array()[0].as_int64());
    out.push_back(SysTime(std::chrono::milliseconds(static_cast<std::int64_t>(at * 1000))));
  }
  return out;
}

// The fingerprints of the alerts named `alertname` that Alertmanager holds now.
std::vector<std::string> AlertmanagerFingerprints(int port, const std::string& alertname) {
  std::vector<std::string> out;
  auto r = HttpGet(port, "/api/v2/alerts");
  if (!r || r->status != 200) return out;
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_array()) return out;
  for (const json::value& a : v.as_array()) {
    const json::value* name = a.find_pointer("/labels/alertname", ec);
    const json::value* fp = a.find_pointer("/fingerprint", ec);
    if (name != nullptr && name->is_string() && name->as_string() == alertname && fp != nullptr &&
        fp->is_string()) {
      out.emplace_back(fp->as_string());
    }
  }
  return out;
}

// The payload of the first event of `kind` recorded for the drill; empty if there is none.
json::object EventPayload(const fs::path& state, const std::string& kind) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  if (!db.ok()) return {};
  auto events = EventLog(*db).ForDrill(kDrillId);
  if (!events.ok()) return {};
  for (const Event& e : *events) {
    if (e.kind != kind) continue;
    boost::system::error_code ec;
    json::value v = json::parse(e.payload_json, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  return {};
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The drill: freeze the service in `pidfile` `open_in` from now for kActive; detected by the
// alert DemoDown.
fs::path WriteMonitoringDrill(const fs::path& dir, const fs::path& pidfile, Duration open_in) {
  fs::path file = dir / "monitoring.toml";
  SysTime start = NowUtc() + open_in;
  std::ofstream(file) << "id = \"" << kDrillId << "\"\ntitle = \"the demo service hangs\"\n"
                      << "service = \"demo\"\nowner = \"Lead <lead@example.com>\"\n"
                      << "playbook = \"runbook.md\"\n[window]\nstart = " << FormatUtc(start)
                      << "\nend = " << FormatUtc(start + kActive + 2s)
                      << "\nzone = \"UTC\"\ngrace = \"20s\"\n[announce]\nlead = \"0s\"\n"
                      << "[targets.here]\nlocal = true\n[[faults]]\nid = \"freeze\"\n"
                      << "kind = \"process.pause\"\ntarget = \"here\"\npidfile = \""
                      << pidfile.string() << "\"\nrestore_timeout = \"2s\"\n"
                      << "[detection]\nmatch = { alertname = \"DemoDown\" }\n";
  return file;
}

// Alertmanager: every alert to the daemon's webhook at once, with the alert token.
void WriteAlertmanagerConfig(const fs::path& file, int daemon_port, const fs::path& token_file) {
  std::ofstream(file) << "route:\n  receiver: firedrill\n  group_by: [alertname]\n"
                      << "  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n"
                      << "receivers:\n  - name: firedrill\n    webhook_configs:\n"
                      << "      - url: http://127.0.0.1:" << daemon_port
                      << "/v1/alerts/alertmanager\n        send_resolved: true\n"
                      << "        http_config:\n          authorization:\n"
                      << "            type: Bearer\n            credentials_file: '"
                      << token_file.string() << "'\n";
}

// Prometheus: scrapes the service (job demo) and the daemon (job firedrill, with an auditor
// token) every second; DemoDown fires as soon as the service misses a scrape.
void WritePrometheusConfig(const fs::path& dir, int alertmanager_port, int target_port,
                           int daemon_port, const fs::path& token_file) {
  std::ofstream(dir / "rules.yml")
      << "groups:\n  - name: demo\n    rules:\n      - alert: DemoDown\n"
      << "        expr: up{job=\"demo\"} == 0\n        for: 0s\n        labels:\n"
      << "          service: demo\n          severity: page\n        annotations:\n"
      << "          summary: the demo service misses its scrapes\n";
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
      << "rule_files:\n  - '" << (dir / "rules.yml").string() << "'\n"
      << "alerting:\n  alertmanagers:\n    - static_configs:\n"
      << "        - targets: ['127.0.0.1:" << alertmanager_port << "']\n"
      << "scrape_configs:\n  - job_name: demo\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << target_port << "']\n"
      << "  - job_name: firedrill\n    authorization:\n      type: Bearer\n"
      << "      credentials_file: '" << token_file.string() << "'\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << daemon_port << "']\n";
}

// Whether Prometheus sends its alerts to the Alertmanager on `port` (it finds it a few seconds
// after it starts).
bool KnowsAlertmanager(int prometheus_port, int port) {
  auto r = HttpGet(prometheus_port, "/api/v1/alertmanagers");
  return r && r->status == 200 &&
         r->body.find("127.0.0.1:" + std::to_string(port)) != std::string::npos;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<std::optional<double>> {
  static std::string convert(const std::optional<double>& v) {
    return v ? StringMaker<double>::convert(*v) : "no such series";
  }
};
}  // namespace Catch

TEST_CASE("monitoring: Prometheus and Alertmanager detect a drill and scrape the daemon",
          "[monitoring]") {
  std::optional<fs::path> prometheus = InPath({"prometheus"});
  std::optional<fs::path> alertmanager = InPath({"prometheus-alertmanager", "alertmanager"});
  if (!prometheus || !alertmanager) {
    WARN(
        "skipped: needs Prometheus and Alertmanager on PATH (Debian packages prometheus and "
        "prometheus-alertmanager): "
        << (!prometheus ? "prometheus" : "alertmanager") << " not found");
    return;
  }
  TempDir tmp;
  for (const char* d : {"daemon", "cli", "prometheus", "alertmanager"}) {
    fs::create_directories(tmp.path() / d);
  }
  fs::path state = tmp.path() / "state";
  fs::path pidfile = tmp.path() / "demo.pid";
  // First, while this process has no threads: the service is a fork of it.
  MetricsTarget target(pidfile);

  // The daemon, on a free port it publishes in control.json.
  fs::path alert_token = tmp.path() / "alert-token";
  std::ofstream(alert_token) << kMonitoringAlertToken << "\n";
  Firedrill daemon(tmp.path() / "daemon", {"serve", "--state", state.string(), "--alert-token-file",
                                           alert_token.string()});
  bool serving = Eventually([&] { return FindControlEndpoint(state).ok(); }, 10s);
  {
    INFO(daemon.Output());
    REQUIRE(serving);
  }
  int daemon_port = FindControlEndpoint(state)->port;

  // Prometheus reads /metrics with an auditor token: the least role that may.
  std::string out;
  {
    Firedrill token(tmp.path() / "cli", {"token", "create", "--state", state.string(), "--role",
                                         "auditor", "--name", "prometheus"});
    REQUIRE(token.Wait() == kExitOk);
    out = token.Output();
  }
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("fdt_[0-9a-f]{8}_[0-9a-f]{64}")));
  fs::path auditor_token = tmp.path() / "auditor-token";
  std::ofstream(auditor_token) << m.str() << "\n";

  // Alertmanager and Prometheus each bind a free port (port 0) and log which.
  fs::path am_dir = tmp.path() / "alertmanager";
  WriteAlertmanagerConfig(am_dir / "alertmanager.yml", daemon_port, alert_token);
  Child am(am_dir / "log.txt",
           {alertmanager->string(), "--config.file=" + (am_dir / "alertmanager.yml").string(),
            "--storage.path=" + (am_dir / "data").string(), "--web.listen-address=127.0.0.1:0",
            "--cluster.listen-address="});
  int am_port = am.ListenPort();
  fs::path prom_dir = tmp.path() / "prometheus";
  WritePrometheusConfig(prom_dir, am_port, target.port(), daemon_port, auditor_token);
  Child prom(
      prom_dir / "log.txt",
      {prometheus->string(), "--config.file=" + (prom_dir / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (prom_dir / "data").string(), "--web.listen-address=127.0.0.1:0"});
  int prom_port = prom.ListenPort();
  auto logs = [&] {
    return "--- daemon:\n" + daemon.Output() + "--- prometheus:\n" + prom.Output() +
           "--- alertmanager:\n" + am.Output();
  };

  // Prometheus finds its targets and its Alertmanager within about 5 s of starting.
  bool ready = Eventually(
      [&] {
        return PromValue(prom_port, "up{job=\"demo\"}") == 1.0 &&
               PromValue(prom_port, "up{job=\"firedrill\"}") == 1.0 &&
               KnowsAlertmanager(prom_port, am_port);
      },
      20s);
  {
    INFO(logs());
    REQUIRE(ready);
  }
  CHECK(PromValue(prom_port, "firedrill_drills{job=\"firedrill\",state=\"scheduled\"}") == 0.0);

  fs::path drill = WriteMonitoringDrill(tmp.path(), pidfile, 2s);
  {
    Firedrill schedule(tmp.path() / "cli", {"schedule", "--state", state.string(), drill.string()});
    int status = schedule.Wait();
    INFO(schedule.Output());
    REQUIRE(status == kExitOk);
  }

  // The service freezes, misses its scrapes, DemoDown fires and Alertmanager tells the daemon.
  bool frozen = Eventually([&] { return ProcState(target.pid()) == 'T'; }, 10s);
  bool detected =
      Eventually([&] { return Has(EventKinds(state, kDrillId), "alert-detected"); }, kActive + 5s);
  {
    INFO(logs());
    CHECK(frozen);
    REQUIRE(detected);
  }
  CHECK(ProcState(target.pid()) == 'T');  // detected while the fault is in place
  json::object alert = EventPayload(state, "alert-detected");
  CHECK(Str(alert, "source") == "alertmanager");
  CHECK(Str(alert, "summary") == "the demo service misses its scrapes");
  CHECK(std::regex_match(Str(alert, "fingerprint"), std::regex("[0-9a-f]{16}")));
  // The fingerprint is Alertmanager's own id of the alert, which is still firing.
  CHECK(AlertmanagerFingerprints(am_port, "DemoDown") ==
        std::vector<std::string>{Str(alert, "fingerprint")});
  const json::value* since_t0 = alert.if_contains("since_t0_ms");
  REQUIRE(since_t0 != nullptr);
  REQUIRE(since_t0->is_int64());
  CHECK(since_t0->as_int64() > 0);
  CHECK(since_t0->as_int64() < std::chrono::milliseconds(kActive).count());
  CHECK(PromValue(prom_port, "up{job=\"demo\"}") == 0.0);
  // The team's dashboards see the drill: its window open and its fault in place, by drill and
  // service, scraped from the daemon.
  const std::string window_open = "firedrill_drill_window_open{job=\"firedrill\",drill=\"" +
                                  std::string(kDrillId) + "\",service=\"demo\"}";
  CHECK(Eventually([&] { return PromValue(prom_port, window_open) == 1.0; }, 10s));
  CHECK(Eventually(
      [&] {
        return PromValue(prom_port, "firedrill_fault_in_place{job=\"firedrill\",drill=\"" +
                                        std::string(kDrillId) + "\",service=\"demo\"}") == 1.0;
      },
      10s));
  const SysTime seen_open = NowUtc();

  // At the end of the window the service is thawed and answers its scrapes again.
  bool done = Eventually([&] { return StateOf(state, kDrillId) == "done"; }, kActive + 15s);
  {
    INFO(logs());
    REQUIRE(done);
  }
  CHECK(ProcState(target.pid()) != 'T');
  auto kinds = EventKinds(state, kDrillId);
  CHECK(Has(kinds, "fault-injected"));
  CHECK(Has(kinds, "fault-restored"));
  CHECK(Has(kinds, "run-ended"));
  auto health = HttpGet(target.port(), "/metrics");
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK_THAT(health->body, Catch::StartsWith("demo_requests_total "));
  CHECK(Eventually([&] { return PromValue(prom_port, "up{job=\"demo\"}") == 1.0; }, 10s));

  // Prometheus has scraped the outcome from the daemon's /metrics.
  bool scraped = Eventually(
      [&] {
        return PromValue(prom_port, "firedrill_drills{job=\"firedrill\",state=\"done\"}") == 1.0;
      },
      10s);
  {
    INFO(logs());
    CHECK(scraped);
  }
  std::optional<double> ttd = PromValue(
      prom_port, "firedrill_last_ttd_seconds{job=\"firedrill\",service=\"demo\",source=\"alert\"}");
  REQUIRE(ttd.has_value());
  CHECK(*ttd == Approx(since_t0->as_int64() / 1000.0).margin(0.001));
  CHECK(PromValue(prom_port,
                  "firedrill_webhook_deliveries_total{job=\"firedrill\",source=\"alertmanager\","
                  "result=\"accepted\"}") >= 1.0);
  CHECK_FALSE(PromValue(prom_port,
                        "firedrill_webhook_deliveries_total{job=\"firedrill\","
                        "source=\"alertmanager\",result=\"unauthorized\"}")
                  .has_value());
  CHECK(PromValue(prom_port, "firedrill_faults_in_place{job=\"firedrill\"}") == 0.0);
  // A range query over the drill returns its window: samples at 1 while it was open (scraped
  // every second), and none once it closed.
  CHECK_FALSE(PromValue(prom_port, window_open).has_value());
  const std::vector<SysTime> open_at =
      PromRange(prom_port, window_open, seen_open - kActive, NowUtc());
  {
    INFO(logs());
    REQUIRE(open_at.size() >= 2);
  }
  // The range query's points stand on whole seconds (step=1 from a whole-second start), and each
  // takes the last sample at or before it: the first point that sees the window open is the
  // first whole second at or after the scrape that saw it, which came before seen_open. So that
  // point is at the latest the whole second at or after seen_open, not seen_open itself.
  CHECK(open_at.front() <= std::chrono::ceil<std::chrono::seconds>(seen_open));
  CHECK(open_at.back() - open_at.front() < kActive + 5s);

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait() == kExitOk);
}
