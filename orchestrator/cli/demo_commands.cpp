#include "orchestrator/cli/demo_commands.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <ostream>
#include <thread>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "faults/fault_registry.h"
#include "orchestrator/cli/terminal.h"
#include "orchestrator/control/control_client.h"
#include "orchestrator/demo/demo_drill.h"
#include "orchestrator/demo/demo_service.h"
#include "orchestrator/engine/drill_run.h"
#include "orchestrator/exit_status.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Returns true iff something accepts TCP connections on 127.0.0.1:port.
bool Listening(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::optional<int> ReadNumber(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  if (in >> n) return n;
  return std::nullopt;
}

// Starts the demo service detached (its own session, so the drill's kill and restart behave as
// they would for a real service) and returns its port.
Expected<int> StartService(const std::string& binary, const fs::path& dir) {
  fs::remove(dir / "demo-service.port");
  std::string cmd = fmt::format(
      "setsid '{}' demo-service --port 0 --dir '{}' >/dev/null 2>&1 "
      "</dev/null &",
      binary, dir.string());
  if (std::system(cmd.c_str()) != 0) return Error{"could not start the demo service"};
  for (int i = 0; i < 100; ++i) {
    if (auto port = ReadNumber(dir / "demo-service.port")) return *port;
    std::this_thread::sleep_for(50ms);
  }
  return Error{"the demo service did not start within 5s"};
}

void StopService(const fs::path& dir) {
  if (auto pid = ReadNumber(dir / "demo-service.pid"); pid && *pid > 1) ::kill(*pid, SIGTERM);
}

// Plays the engineer on call: notices the outage, acknowledges it, and (when `fix`) restarts
// the service and says so. Acks go through the drill's real control endpoint.
void Respond(const fs::path& state, const fs::path& dir, const std::string& binary, int port,
             bool fix, const std::atomic<bool>& done, std::ostream& out) {
  auto wait_for = [&](auto cond, std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < end) {
      if (cond()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  auto ack = [&](const char* what, const char* note) {
    boost::json::object body{{"what", what}, {"by", "demo-responder"}, {"note", note}};
    auto r = SendControl(state, "POST", "/v1/drills/demo-service-crash/ack",
                         boost::json::serialize(body), std::chrono::seconds(5));
    if (!r.ok() || r->status >= 300) {
      fmt::print(out, "          (demo responder: ack {} not accepted: {})\n", what,
                 r.ok() ? r->body : r.error().message);
    }
  };
  if (!wait_for([&] { return !Listening(port); }, std::chrono::seconds(60))) return;
  std::this_thread::sleep_for(2500ms);  // time to notice
  if (done) return;
  fmt::print(out, "          demo responder: \"the demo service is down, I'm on it\"\n");
  ack("detected", "health probe red, service not listening");
  if (!fix) return;
  std::this_thread::sleep_for(3s);  // time to read the playbook
  if (done) return;
  fmt::print(out, "          demo responder: restarting the service per the playbook\n");
  std::system(fmt::format("setsid '{}' demo-service --port {} --dir '{}' >/dev/null 2>&1 "
                          "</dev/null &",
                          binary, port, dir.string())
                  .c_str());
  if (wait_for([&] { return Listening(port); }, std::chrono::seconds(10))) {
    ack("recovered", "restarted the service; health checks pass");
  }
}

int RunDemo(const Invocation& inv) {
  std::string responder = inv.args.Value("responder").value_or("fix");
  if (responder != "fix" && responder != "idle") {
    fmt::print(inv.err, "firedrill demo: --responder must be fix or idle, not \"{}\"\n", responder);
    return kExitUsage;
  }
  fs::path state;
  if (auto s = inv.args.Value("state")) {
    state = *s;
  } else {
    std::string pattern = (fs::temp_directory_path() / "firedrill-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      fmt::print(inv.err, "firedrill demo: cannot create a temporary state directory\n");
      return kExitFailure;
    }
    state = pattern;
  }
  fs::path dir = state / "demo";
  fs::create_directories(dir);
  std::error_code ec;
  std::string binary = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    fmt::print(inv.err, "firedrill demo: cannot find my own binary: {}\n", ec.message());
    return kExitFailure;
  }
  auto port = StartService(binary, dir);
  if (!port.ok()) {
    fmt::print(inv.err, "firedrill demo: {}\n", port.error().message);
    return kExitFailure;
  }
  DemoSetup setup{binary, dir.string(), *port, NowUtc() + std::chrono::seconds(5),
                  std::chrono::seconds(25)};
  std::string toml = DemoDrillToml(setup);
  fs::path drill_file = dir / "demo-drill.toml";
  std::ofstream(drill_file) << toml;
  LoadResult loaded = LoadDrillText(toml, drill_file.string(), DrillFaultCatalog());
  if (!loaded.ok()) {
    for (const Error& e : loaded.diagnostics) fmt::print(inv.err, "{}\n", e.ToString());
    StopService(dir);
    return kExitFailure;
  }
  fmt::print(inv.out,
             "firedrill demo: a whole drill in about 30 seconds.\n"
             "  service   a small HTTP service on 127.0.0.1:{} (GET /health)\n"
             "  fault     process.kill of that service, 5s from now\n"
             "  probe     GET /health every 500ms; recovered = 2 green checks after red\n"
             "  responder {}\n"
             "  records   {}\n\n",
             *port,
             responder == "fix" ? "acknowledges, then restarts the service (the team recovers)"
                                : "acknowledges but does not fix it (auto-restore is shown)",
             state.string());
  bool json = inv.args.Has("json");
  const bool live = !json && StdoutIsTerminal();
  // The responder's remarks would break into the live block (and its acks show there, with
  // their notes): on a terminal it acts without talking.
  std::ostream quiet(nullptr);
  std::atomic<bool> done{false};
  std::thread responder_thread(Respond, state, dir, binary, *port, responder == "fix",
                               std::cref(done), std::ref(live ? quiet : inv.out));
  RunOptions options;
  options.state_dir = state;
  options.drill_file = drill_file.string();
  options.drill_source = toml;
  options.json = json;
  options.live_view = live;
  options.colour = live && ColourWanted();
  int status = RunDrill(*loaded.drill, options, inv.out, inv.err);
  done = true;
  responder_thread.join();
  StopService(dir);
  fmt::print(inv.out,
             "\nThe record of this drill:  firedrill records show demo-service-crash --state {}\n"
             "Verify the records:         firedrill records verify --state {}\n"
             "The drill file that ran:    {}\n"
             "Try the other ending:       firedrill demo --responder {}\n",
             state.string(), state.string(), drill_file.string(),
             responder == "fix" ? "idle" : "fix");
  return status;
}

int RunDemoService(const Invocation& inv) {
  int port = std::atoi(inv.args.Value("port").value_or("0").c_str());
  fs::path dir = inv.args.Value("dir").value_or(".");
  return ServeDemoService(port, dir / "demo-service.port", dir / "demo-service.pid");
}

}  // namespace

Command DemoCommand() {
  return Command{
      "demo",
      "firedrill demo [--responder fix|idle] [--json] [--state DIR]",
      "a whole drill on this machine against a bundled service, in about 30 seconds",
      "Starts a small HTTP service, writes a drill that kills it 5 seconds later, and runs that\n"
      "drill: preflight, injection (recorded in the ledger first), the health probe turning\n"
      "red, a simulated responder acknowledging through the drill's control endpoint, recovery\n"
      "confirmed by the probe, the restore at the end of the window, and the summary against\n"
      "the objectives. Records go to a fresh temporary state directory unless --state is given.\n"
      "\n"
      "Options:\n"
      "  --responder fix    the responder restarts the service: the team recovers (default)\n"
      "  --responder idle   the responder only acknowledges: firedrill auto-restores\n"
      "  --json             the event stream as JSON lines\n"
      "\n"
      "Exit status: that of the drill (0 when it ran and everything was restored; see\n"
      "firedrill run --help); 1 if the demo could not be set up; 2 for wrong usage.\n",
      ArgSpec{{"json"}, {"responder"}, 0, 0},
      RunDemo};
}

Command DemoServiceCommand() {
  return Command{"demo-service",
                 "firedrill demo-service --port N --dir DIR",
                 "the bundled HTTP service the demo breaks (started by firedrill demo)",
                 "Serves GET /health on 127.0.0.1:N and writes demo-service.pid and\n"
                 "demo-service.port into DIR. Started and stopped by firedrill demo.\n"
                 "\n"
                 "Options:\n"
                 "  --port N    the port (0: any free one, written to demo-service.port)\n"
                 "  --dir DIR   where the pid and port files go (default: .)\n"
                 "\n"
                 "Exit status: 0 when stopped (SIGTERM); 1 if it cannot serve.\n",
                 ArgSpec{{}, {"port", "dir"}, 0, 0},
                 RunDemoService};
}

}  // namespace firedrill
