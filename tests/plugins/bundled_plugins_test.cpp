// The bundled plugins against real servers each test starts on a loopback port in a temp dir:
// the fault shows on the server, restore removes it, a second restore changes nothing.
#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "drills/drill_loader.h"
#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "faults/runtime_support.h"
#include "plugins/plugin_conformance.h"
#include "plugins/plugin_fault.h"
#include "plugins/plugin_registry.h"
#include "tests/plugins/plugin_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;
using namespace std::chrono_literals;

namespace {

CommandResult Sh(const std::string& command, Duration timeout = 10s) {
  LocalRunner runner;
  Expected<CommandResult> r = RunBlocking(runner.Run(command, timeout));
  REQUIRE(r.ok());
  return *r;
}

bool WaitFor(const std::string& command, Duration timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (Sh(command).ok()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

const PluginCatalog& Bundled() {
  static const PluginCatalog catalog = LoadPluginCatalog({FIREDRILL_BUNDLED_PLUGIN_DIR});
  return catalog;
}

// Loads a one-fault drill of `kind` from the bundled catalog.
Drill Load(const std::string& kind, const std::string& params) {
  LoadResult r = LoadDrillText(DrillWithFault(kind, params), "drill.toml", Bundled());
  std::string errors;
  for (const Error& e : r.diagnostics) errors += e.ToString() + "\n";
  INFO(errors);
  REQUIRE(r.ok());
  return std::move(*r.drill);
}

// A throwaway redis-server on a loopback port, stopped at scope exit.
struct RedisServer {
  explicit RedisServer(const TempDir& dir) : port(FreePort()) {
    pidfile = (dir.path() / "redis.pid").string();
    CommandResult r =
        Sh(fmt::format("redis-server --port {} --bind 127.0.0.1 --save '' --appendonly no "
                       "--daemonize yes --pidfile {} --dir {} --logfile {}/redis.log",
                       port, ShellQuote(pidfile), ShellQuote(dir.path().string()),
                       ShellQuote(dir.path().string())));
    REQUIRE(r.ok());
    REQUIRE(WaitFor(fmt::format("redis-cli -p {} ping | grep -q PONG", port)));
  }
  ~RedisServer() {
    LocalRunner runner;
    (void)RunBlocking(
        runner.Run(fmt::format("kill $(cat {}) 2>/dev/null", ShellQuote(pidfile)), 5s));
  }
  std::string Cli(const std::string& args) const {
    return fmt::format("redis-cli -p {} {}", port, args);
  }
  int port;
  std::string pidfile;
};

// A throwaway PostgreSQL cluster run by the postgres user, stopped at scope exit.
struct PostgresServer {
  static std::string Bin() { return "/usr/lib/postgresql/15/bin"; }
  static std::string AsPostgres(const std::string& command) {
    if (::geteuid() != 0) return command;
    return "runuser -u postgres -- sh -c " + ShellQuote(command);
  }
  explicit PostgresServer(const TempDir& dir) : port(FreePort()) {
    data = (dir.path() / "pg").string();
    Sh("chmod 755 " + ShellQuote(dir.path().string()));
    std::filesystem::create_directory(data);
    if (::geteuid() == 0) Sh("chown postgres " + ShellQuote(data));
    CommandResult init = Sh(AsPostgres(fmt::format("{}/initdb -A trust -U postgres -D {} 2>&1",
                                                   Bin(), ShellQuote(data))),
                            60s);
    INFO(init.out);
    REQUIRE(init.ok());
    CommandResult start = Sh(
        AsPostgres(fmt::format("{}/pg_ctl -D {} -l {}/log -w -o \"-p {} -k {} -c "
                               "listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null",
                               Bin(), ShellQuote(data), ShellQuote(data), port, ShellQuote(data))),
        30s);
    INFO(ReadFile(data + "/log"));
    REQUIRE(start.ok());
    REQUIRE(Sh(Psql("postgres", "CREATE DATABASE shop")).ok());
    REQUIRE(Sh(Psql("shop", "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)")).ok());
  }
  ~PostgresServer() {
    LocalRunner runner;
    (void)RunBlocking(
        runner.Run(AsPostgres(fmt::format("{}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1",
                                          Bin(), ShellQuote(data))),
                   20s));
  }
  std::string Psql(const std::string& db, const std::string& sql) const {
    return fmt::format("psql -X -q -A -t -h 127.0.0.1 -p {} -U postgres -d {} -c {}", port, db,
                       ShellQuote(sql));
  }
  int port;
  std::string data;
};

}  // namespace

TEST_CASE("bundled plugins: describe lists the redis and postgres kinds", "[plugins]") {
  for (const PluginInfo& p : Bundled().plugins()) {
    INFO(p.name << ": " << p.error);
    CHECK(p.ok);
    CHECK(p.warnings.empty());
  }
  CHECK(Bundled().FindPluginKind("redis.client-pause") != nullptr);
  CHECK(Bundled().FindPluginKind("redis.maxmemory-squeeze") != nullptr);
  CHECK(Bundled().FindPluginKind("postgres.refuse-connections") != nullptr);
  CHECK(Bundled().FindPluginKind("postgres.lock-table") != nullptr);
  LoadResult bad =
      LoadDrillText(DrillWithFault("redis.client-pause", "duration = 5"), "drill.toml", Bundled());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.diagnostics[0].ToString().find("drill.toml:26:") == 0);
}

TEST_CASE("bundled plugins: redis.client-pause holds writes until restored", "[plugins]") {
  if (FindProgram("redis-server").empty()) {
    WARN("skipped: redis-server is not installed");
    return;
  }
  TempDir dir;
  RedisServer redis(dir);
  Drill drill = Load("redis.client-pause",
                     fmt::format("port = {}\nduration = \"30s\"\nmode = \"write\"", redis.port));
  const FaultSpec& spec = drill.faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, drill.id};
  Expected<std::string> prior = RunBlocking(fault->Prepare(ctx));
  REQUIRE(prior.ok());
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, *prior));
  REQUIRE(state.ok());
  CHECK(state->find("until_ms") != std::string::npos);
  // A write blocks; a read does not.
  CHECK(Sh(redis.Cli("set k v"), 1s).timed_out);
  CHECK(Sh(redis.Cli("get k"), 5s).ok());
  Expected<bool> in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK(*in_place);
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(Sh(redis.Cli("set k v2"), 5s).ok());
  in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK_FALSE(*in_place);
  CHECK(RunBlocking(fault->Restore(ctx, "null")).ok());
}

TEST_CASE("bundled plugins: redis.maxmemory-squeeze passes the conformance check", "[plugins]") {
  if (FindProgram("redis-server").empty()) {
    WARN("skipped: redis-server is not installed");
    return;
  }
  TempDir dir;
  RedisServer redis(dir);
  REQUIRE(Sh(redis.Cli("config set maxmemory 64mb")).ok());
  Drill drill =
      Load("redis.maxmemory-squeeze",
           fmt::format("port = {}\nmaxmemory = \"100kb\"\npolicy = \"noeviction\"", redis.port));
  const FaultSpec& spec = drill.faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, drill.id};
  Expected<std::string> prior = RunBlocking(fault->Prepare(ctx));
  REQUIRE(prior.ok());
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, *prior));
  REQUIRE(state.ok());
  CHECK(Sh(redis.Cli("config get maxmemory")).out.find("102400") != std::string::npos);
  // With noeviction, a write over the limit is refused.
  CHECK(Sh(redis.Cli("set k v 2>&1")).out.find("OOM") != std::string::npos);
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(Sh(redis.Cli("config get maxmemory")).out.find("67108864") != std::string::npos);
  CHECK(Sh(redis.Cli("config get maxmemory-policy")).out.find("noeviction") != std::string::npos);
  CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());

  ConformanceReport report =
      RunBlocking(RunConformance(*Bundled().FindPluginKind(spec.kind), spec, runner, drill.id));
  for (const ConformanceStep& s : report.steps) {
    INFO(s.name << ": " << s.detail);
    CHECK(s.ok);
  }
  CHECK(report.passed);
}

TEST_CASE("bundled plugins: postgres.refuse-connections refuses until restored", "[plugins]") {
  if (!std::filesystem::exists(PostgresServer::Bin() + "/postgres") ||
      FindProgram("psql").empty()) {
    WARN("skipped: PostgreSQL 15 server or psql is not installed");
    return;
  }
  TempDir dir;
  PostgresServer pg(dir);
  Drill drill =
      Load("postgres.refuse-connections", fmt::format("port = {}\ndatabase = \"shop\"", pg.port));
  const FaultSpec& spec = drill.faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, drill.id};
  Expected<std::string> prior = RunBlocking(fault->Prepare(ctx));
  REQUIRE(prior.ok());
  CHECK(*prior == R"({"allow":"t"})");
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, *prior));
  REQUIRE(state.ok());
  CommandResult refused = Sh(pg.Psql("shop", "SELECT 1") + " 2>&1");
  CHECK_FALSE(refused.ok());
  CHECK(refused.out.find("not currently accepting connections") != std::string::npos);
  Expected<bool> in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK(*in_place);
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(Sh(pg.Psql("shop", "SELECT 1")).ok());
  CHECK(RunBlocking(fault->Restore(ctx, "null")).ok());

  ConformanceReport report =
      RunBlocking(RunConformance(*Bundled().FindPluginKind(spec.kind), spec, runner, drill.id));
  for (const ConformanceStep& s : report.steps) {
    INFO(s.name << ": " << s.detail);
    CHECK(s.ok);
  }
  CHECK(report.passed);
}

TEST_CASE("bundled plugins: postgres.lock-table blocks the table until restored", "[plugins]") {
  if (!std::filesystem::exists(PostgresServer::Bin() + "/postgres") ||
      FindProgram("psql").empty()) {
    WARN("skipped: PostgreSQL 15 server or psql is not installed");
    return;
  }
  TempDir dir;
  PostgresServer pg(dir);
  Drill drill =
      Load("postgres.lock-table", fmt::format("port = {}\ndatabase = \"shop\"\ntable = \"orders\"\n"
                                              "duration = \"60s\"",
                                              pg.port));
  const FaultSpec& spec = drill.faults[0];
  std::unique_ptr<Fault> fault = MakeFaultFor(spec);
  LocalRunner runner;
  FaultContext ctx{spec, runner, drill.id};
  Expected<std::string> prior = RunBlocking(fault->Prepare(ctx));
  REQUIRE(prior.ok());
  Expected<std::string> state = RunBlocking(fault->InjectAndCapture(ctx, *prior));
  INFO((state ? *state : state.error().message));
  REQUIRE(state.ok());
  CHECK(state->find("backend_pid") != std::string::npos);
  const std::string select =
      pg.Psql("shop", "SET lock_timeout = '300ms'; SELECT count(*) FROM orders");
  CHECK_FALSE(Sh(select).ok());
  Expected<bool> in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK(*in_place);
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(WaitFor(select, 5s));
  in_place = RunBlocking(fault->Check(ctx, *state));
  REQUIRE(in_place.ok());
  CHECK_FALSE(*in_place);
  CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(RunBlocking(fault->Restore(ctx, "null")).ok());
}
