#include "tests/orchestrator/engine/engine_harness.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "drills/drill_loader.h"
#include "drills/zoned_time.h"
#include "orchestrator/store/typed_event.h"
#include "plugins/plugin_registry.h"

namespace firedrill::testing {
namespace {

namespace asio = boost::asio;

// Undoes fault `id` in the fake world, as a fake restore does; returns an error message or "".
std::string FakeRestore(FakeWorld& world, const std::string& id) {
  FakeWorld::FaultState& s = world.faults[id];
  ++s.restores;
  if (s.on_restore) s.on_restore();
  if (s.failing_restores != 0) {
    if (s.failing_restores > 0) --s.failing_restores;
    return "the fake restore fails";
  }
  s.in_place = false;
  return "";
}

// A fault whose every operation acts on its FaultState in the fake world, at once.
class FakeFault : public Fault {
 public:
  FakeFault(FakeWorld& world, std::string id) : world_(world), id_(std::move(id)) {}

  asio::awaitable<Expected<std::string>> Prepare(const FaultContext&) override {
    ++State().prepares;
    co_return std::string("{}");
  }
  asio::awaitable<Status> Inject(const FaultContext&, const std::string&) override {
    FakeWorld::FaultState& s = State();
    ++s.injects;
    if (s.on_inject) s.on_inject();
    if (s.inject_fails) co_return Error("the fake inject fails");
    s.in_place = true;
    co_return Status::Ok();
  }
  asio::awaitable<Expected<bool>> Check(const FaultContext&, const std::string&) override {
    FakeWorld::FaultState& s = State();
    ++s.checks;
    if (s.on_check) s.on_check();
    co_return s.in_place;
  }
  asio::awaitable<Status> Restore(const FaultContext&, const std::string&) override {
    std::string failed = FakeRestore(world_, id_);
    if (!failed.empty()) co_return Error(failed);
    co_return Status::Ok();
  }
  std::string ManualRestore(const FaultContext&, const std::string&) override {
    return "undo " + id_ + " by hand";
  }

 private:
  FakeWorld::FaultState& State() { return world_.faults[id_]; }
  FakeWorld& world_;
  std::string id_;
};

// The runner of one target: "fake-restore ID" undoes fault ID (ID@TARGET for a member of a
// fault on several targets) in the fake world; every other command exits 0 at once.
class FakeRunner : public CommandRunner {
 public:
  FakeRunner(FakeWorld& world, std::string target) : world_(world), target_(std::move(target)) {}

  std::string Describe() const override { return "fake " + target_; }

 protected:
  asio::awaitable<Expected<CommandResult>> Execute(std::string command, Duration,
                                                   RunHooks) override {
    CommandResult r;
    r.exit_code = 0;
    constexpr std::string_view kRestore = "fake-restore ";
    if (command.rfind(kRestore, 0) == 0) {
      std::string id = command.substr(kRestore.size());
      if (world_.faults.count(id + "@" + target_) != 0) id += "@" + target_;
      r.err = FakeRestore(world_, id);
      r.exit_code = r.err.empty() ? 0 : 1;
    }
    co_return r;
  }

 private:
  FakeWorld& world_;
  std::string target_;
};

}  // namespace

SysTime HarnessWindowStart() {
  using namespace std::chrono;
  return time_point_cast<milliseconds>(sys_days{year{2027} / March / 1} + hours(10));
}

std::string HarnessDrill(const std::string& extra, const std::string& window_extra) {
  const SysTime start = HarnessWindowStart();
  return fmt::format(R"(id = "sim"
title = "simulated drill"
service = "sim-service"
owner = "lead@example.com"
playbook = "https://wiki.example.com/sim"

[window]
start = {}
end = {}
zone = "UTC"
{}
[announce]
lead = "0s"

[targets.here]
local = true

[[faults]]
id = "f1"
kind = "command"
target = "here"
inject = "true"
check = "true"
restore = "fake-restore f1"

{})",
                     FormatUtc(start), FormatUtc(start + std::chrono::hours(1)),
                     window_extra.find("grace") == std::string::npos
                         ? "grace = \"10m\"\n" + window_extra
                         : window_extra,
                     extra);
}

bool FakeWorld::AnyInPlace() const {
  for (const auto& [id, s] : faults) {
    if (s.in_place) return true;
  }
  return false;
}

EngineHarness::EngineHarness(const std::string& toml, std::optional<SysTime> clock_start)
    : clock(clock_start.value_or(HarnessWindowStart() - std::chrono::minutes(1))),
      state_(tmp_.path() / "state"),
      toml_(toml) {
  LoadResult loaded = LoadDrillText(toml_, "sim.toml", DrillFaultCatalog());
  if (!loaded.ok()) {
    for (const Error& e : loaded.diagnostics) UNSCOPED_INFO(e.ToString());
    FAIL("the harness drill does not load");
  }
  drill_ = std::make_unique<Drill>(*loaded.drill);
  for (const FaultSpec& f : drill_->faults) world.faults[f.id];
  auto db = Database::Open(state_, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  db_.emplace(std::move(*db));
  auto writer = RecordWriter::Open(state_);
  REQUIRE(writer.ok());
  writer_ = std::move(*writer);
  options.state_dir = state_;
  options.drill_file = "sim.toml";
  options.drill_source = toml_;

  EngineEnv env;
  env.clock = &clock;
  env.make_fault = [this](const FaultSpec& f) -> std::unique_ptr<Fault> {
    return std::make_unique<FakeFault>(world, f.id);
  };
  env.make_runner = [this](const std::string& name,
                           const Target&) -> Expected<std::unique_ptr<CommandRunner>> {
    return std::unique_ptr<CommandRunner>(std::make_unique<FakeRunner>(world, name));
  };
  env.check_probe = [this](const Probe& p, CommandRunner*) -> asio::awaitable<ProbeOutcome> {
    ++world.probe_checks[p.name];
    auto scripted = world.probes.find(p.name);
    if (scripted != world.probes.end()) co_return scripted->second();
    if (world.AnyInPlace()) co_return ProbeOutcome{false, "a fault is in place"};
    co_return ProbeOutcome{true, "all well"};
  };
  engine_ = std::make_unique<DrillEngine>(io_, *drill_, options, *db_, *writer_, out_, err_,
                                          std::move(env));
}

EngineHarness::~EngineHarness() {
  // Pending actions and the engine's waits end with the loop.
  action_timers_.clear();
  engine_.reset();
  writer_.reset();
}

void EngineHarness::At(SysTime at, std::function<void()> action) {
  action_timers_.push_back(clock.MakeTimer(io_.get_executor()));
  RunTimer* timer = action_timers_.back().get();
  const SteadyTime when = clock.SteadyAt(at);
  asio::co_spawn(
      io_,
      [timer, when, action = std::move(action)]() -> asio::awaitable<void> {
        if (co_await timer->WaitUntil(when)) action();
      },
      asio::detached);
}

int EngineHarness::Run(Duration limit) {
  int status = -1;
  bool done = false;
  engine_->Start([&](int exit) {
    status = exit;
    done = true;
  });
  // The writer's thread is real: time stands still while it has work (a ledger row the engine
  // awaits), as it would on a machine whose disk answers at once.
  RecordWriter* writer = writer_.get();
  if (!RunSimulated(
          io_, clock, [&] { return done; }, limit, [writer] { return !writer->Idle(); },
          [writer] { writer->Drain(); })) {
    return -1;
  }
  // Actions still waiting are abandoned.
  for (auto& t : action_timers_) t->Cancel();
  io_.restart();
  io_.poll();
  CheckRecordedEventsDecode();
  return status;
}

void EngineHarness::CheckRecordedEventsDecode() {
  for (const Event& e : Events()) {
    TypedEvent t = DecodeEvent(e);
    INFO(e.kind << " " << e.payload_json);
    CHECK(t.kind != EventKind::kUnknown);
    CHECK(t.problem.empty());
    // The struct holds every member the writer wrote, and nothing else (objects compare
    // regardless of member order).
    std::visit(
        [&](const auto& p) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(p)>, std::monostate>) {
            CHECK(boost::json::value(ToPayload(p)) == boost::json::parse(e.payload_json));
          }
        },
        t.payload);
  }
}

std::vector<Event> EngineHarness::Events() {
  writer_->Drain();
  auto events = EventLog(*db_).ForDrill(drill_->id);
  REQUIRE(events.ok());
  return *events;
}

std::vector<std::string> EngineHarness::Kinds() {
  std::vector<std::string> kinds;
  for (const Event& e : Events()) kinds.push_back(e.kind);
  return kinds;
}

std::optional<Event> EngineHarness::First(const std::string& kind) {
  for (const Event& e : Events()) {
    if (e.kind == kind) return e;
  }
  return std::nullopt;
}

}  // namespace firedrill::testing
