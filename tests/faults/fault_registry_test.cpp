#include "faults/fault_registry.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "faults/param_builder.h"

using namespace firedrill;

namespace {

FaultKindSpec DummyKind(std::string name) {
  FaultKindSpec spec;
  spec.name = std::move(name);
  spec.summary = "a test kind";
  spec.params = {ParamBuilder("size", ParamType::kString, "how much").Build()};
  spec.build = [](const ParamValues&, const SourcePos&,
                  Diagnostics&) -> std::shared_ptr<const FaultParams> { return nullptr; };
  return spec;
}

}  // namespace

TEST_CASE("the registry finds what was registered and lists names sorted", "[faults]") {
  FaultRegistry registry;
  REQUIRE(registry.Register(DummyKind("zeta.kind")).ok());
  REQUIRE(registry.Register(DummyKind("alpha")).ok());
  REQUIRE(registry.Register(DummyKind("mid-kind")).ok());
  CHECK(registry.Names() == std::vector<std::string>{"alpha", "mid-kind", "zeta.kind"});
  const FaultKindSpec* found = registry.Find("mid-kind");
  REQUIRE(found != nullptr);
  CHECK(found->name == "mid-kind");
  CHECK(registry.Find("nope") == nullptr);
  CHECK(registry.Find("") == nullptr);
}

TEST_CASE("the registry refuses double registration", "[faults]") {
  FaultRegistry registry;
  REQUIRE(registry.Register(DummyKind("disk.fill")).ok());
  const FaultKindSpec* first = registry.Find("disk.fill");
  Status again = registry.Register(DummyKind("disk.fill"));
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.error().message, Catch::Contains("\"disk.fill\" is already registered"));
  CHECK(registry.Find("disk.fill") == first);
  CHECK(registry.Names().size() == 1);
}

TEST_CASE("the registry refuses empty, odd or incomplete kinds", "[faults]") {
  FaultRegistry registry;
  Status empty = registry.Register(DummyKind(""));
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.error().message, Catch::Contains("without a name"));

  CHECK_FALSE(registry.Register(DummyKind("Has Space")).ok());
  CHECK_FALSE(registry.Register(DummyKind("UPPER")).ok());

  FaultKindSpec no_factory = DummyKind("no.factory");
  no_factory.build = nullptr;
  CHECK_FALSE(registry.Register(no_factory).ok());

  FaultKindSpec twice = DummyKind("twice");
  twice.params.push_back(twice.params.front());
  Status twice_status = registry.Register(twice);
  REQUIRE_FALSE(twice_status.ok());
  CHECK_THAT(twice_status.error().message, Catch::Contains("\"size\" twice"));

  for (std::string_view common : kCommonFaultKeys) {
    FaultKindSpec clash = DummyKind("clash");
    clash.params.push_back(
        ParamBuilder(std::string(common), ParamType::kString, "clashes").Build());
    Status s = registry.Register(clash);
    INFO(common);
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.error().message, Catch::Contains("a key every fault has"));
  }
  CHECK(registry.Names().empty());
}

TEST_CASE("the built-in registry holds every built-in kind", "[faults]") {
  CHECK(BuiltinFaults().Names() ==
        std::vector<std::string>{"command", "cpu.stress", "disk.fill", "memory.stress",
                                 "network.block", "network.delay", "network.latency-proxy",
                                 "process.kill", "process.pause"});
  CHECK(&BuiltinFaults() == &BuiltinFaults());

  // Registering the built-ins twice into one registry is a double registration.
  FaultRegistry registry;
  REQUIRE(RegisterBuiltinFaults(registry).ok());
  CHECK_FALSE(RegisterBuiltinFaults(registry).ok());
}

TEST_CASE("every built-in kind documents itself and every parameter", "[faults]") {
  for (const std::string& name : BuiltinFaults().Names()) {
    const FaultKindSpec* spec = BuiltinFaults().Find(name);
    REQUIRE(spec != nullptr);
    INFO(name);
    CHECK_FALSE(spec->summary.empty());
    CHECK(spec->build);
    CHECK(spec->default_restore_timeout > Duration::zero());
    CHECK_FALSE(spec->params.empty());
    for (const ParamSpec& param : spec->params) {
      INFO(param.name);
      CHECK_FALSE(param.doc.empty());
      CHECK(param.doc.find('\n') == std::string::npos);
      CHECK(std::find(std::begin(kCommonFaultKeys), std::end(kCommonFaultKeys), param.name) ==
            std::end(kCommonFaultKeys));
      if (!param.one_of.empty()) CHECK(param.type == ParamType::kString);
      if (param.min || param.max) {
        CHECK((param.type == ParamType::kInteger || param.type == ParamType::kNumber));
      }
    }
  }
}

TEST_CASE("built-in restore timeouts are the documented defaults", "[faults]") {
  using std::chrono::seconds;
  const auto timeout = [](const char* kind) {
    return BuiltinFaults().Find(kind)->default_restore_timeout;
  };
  CHECK(timeout("process.kill") == seconds(30));
  CHECK(timeout("process.pause") == seconds(10));
  CHECK(timeout("command") == seconds(30));
  CHECK(timeout("network.block") == seconds(10));
  CHECK(timeout("network.delay") == seconds(10));
  CHECK(timeout("network.latency-proxy") == seconds(5));
  CHECK(timeout("cpu.stress") == seconds(10));
  CHECK(timeout("memory.stress") == seconds(10));
  CHECK(timeout("disk.fill") == seconds(30));
}
