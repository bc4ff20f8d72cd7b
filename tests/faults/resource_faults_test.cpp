#include <catch2/catch.hpp>

#include "faults/cpu_stress.h"
#include "faults/disk_fill.h"
#include "faults/memory_stress.h"
#include "tests/faults/test_params.h"

using namespace firedrill;
using namespace firedrill::testing;

TEST_CASE("cpu.stress: defaults and values", "[faults]") {
  auto r = Build("cpu.stress", Values());
  REQUIRE(r.errors.empty());
  const auto* p = As<CpuStressParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->workers == 0);
  CHECK(p->load == 100);
  CHECK(p->Describe() == "load every CPU to 100%");

  auto set = Build("cpu.stress", Values().Int("workers", 2, 11).Int("load", 80, 12));
  REQUIRE(As<CpuStressParams>(set) != nullptr);
  CHECK(As<CpuStressParams>(set)->workers == 2);
  CHECK(As<CpuStressParams>(set)->load == 80);
  CHECK(set.params->Describe() == "run 2 CPU workers at 80% load");
}

TEST_CASE("cpu.stress: out-of-range values are reported at their positions", "[faults]") {
  auto r = Build("cpu.stress", Values().Int("workers", -1, 11).Int("load", 0, 12));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].where->line == 11);
  CHECK(r.errors[1].where->line == 12);
  CHECK_THAT(r.errors[1].message, Catch::Contains("load must be a percentage from 1 to 100"));
}

TEST_CASE("memory.stress: sizes in bytes and percent", "[faults]") {
  auto r = Build("memory.stress", Values().Str("size", "512M", 11));
  REQUIRE(r.errors.empty());
  const auto* p = As<MemoryStressParams>(r);
  REQUIRE(p != nullptr);
  CHECK_FALSE(p->size.is_percent);
  CHECK(p->size.bytes == 512ull << 20);
  CHECK(p->workers == 1);
  CHECK(p->Describe() == "allocate 512M in 1 worker");

  auto pct = Build("memory.stress", Values().Str("size", "80%", 11).Int("workers", 2, 12));
  REQUIRE(As<MemoryStressParams>(pct) != nullptr);
  CHECK(As<MemoryStressParams>(pct)->size.is_percent);
  CHECK(As<MemoryStressParams>(pct)->size.percent == 80);
  CHECK(pct.params->Describe() == "allocate 80% of total memory in 2 workers");
}

TEST_CASE("memory.stress: bad sizes are reported at their positions", "[faults]") {
  for (const char* bad : {"512", "96%", "0%", "0.5%", "0M", "lots"}) {
    INFO(bad);
    auto r = Build("memory.stress", Values().Str("size", bad, 11));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].where->line == 11);
    CHECK_THAT(r.errors[0].message, Catch::StartsWith("size"));
  }
  CHECK(Build("memory.stress", Values().Str("size", "95%", 11)).errors.empty());
  CHECK(Build("memory.stress", Values().Str("size", "1%", 11)).errors.empty());

  auto workers = Build("memory.stress", Values().Str("size", "1G", 11).Int("workers", 0, 12));
  REQUIRE(workers.errors.size() == 1);
  CHECK(workers.errors[0].where->line == 12);
}

TEST_CASE("disk.fill: values, defaults and description", "[faults]") {
  auto r = Build("disk.fill",
                 Values().Str("path", "/var/lib/postgresql", 11).Str("free_left", "1G", 12));
  REQUIRE(r.errors.empty());
  const auto* p = As<DiskFillParams>(r);
  REQUIRE(p != nullptr);
  CHECK(p->path == "/var/lib/postgresql");
  CHECK(p->free_left.bytes == 1ull << 30);
  CHECK(p->file_name == ".firedrill-fill");
  CHECK(p->FilePath() == "/var/lib/postgresql/.firedrill-fill");
  CHECK(p->Describe() ==
        "fill the filesystem of /var/lib/postgresql until 1G is left free (file "
        "/var/lib/postgresql/.firedrill-fill)");

  auto pct = Build("disk.fill", Values()
                                    .Str("path", "/srv/", 11)
                                    .Str("free_left", "5%", 12)
                                    .Str("file_name", "drill.bin", 13));
  REQUIRE(As<DiskFillParams>(pct) != nullptr);
  CHECK(As<DiskFillParams>(pct)->free_left.is_percent);
  CHECK(As<DiskFillParams>(pct)->FilePath() == "/srv/drill.bin");
}

TEST_CASE("disk.fill: bad values are reported at their positions", "[faults]") {
  auto r = Build("disk.fill", Values()
                                  .Str("path", "var/lib", 11)
                                  .Str("free_left", "100%", 12)
                                  .Str("file_name", "../etc/passwd", 13));
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].where->line == 11);
  CHECK_THAT(r.errors[0].message, Catch::Contains("must be absolute"));
  CHECK(r.errors[1].where->line == 12);
  CHECK_THAT(r.errors[1].message, Catch::Contains("below 100%"));
  CHECK(r.errors[2].where->line == 13);
  CHECK_THAT(r.errors[2].message, Catch::Contains("plain file name"));

  for (const char* bad_name : {"", ".", ".."}) {
    auto n = Build(
        "disk.fill",
        Values().Str("path", "/srv", 11).Str("free_left", "1G", 12).Str("file_name", bad_name, 13));
    INFO(bad_name);
    REQUIRE(n.errors.size() == 1);
  }
  auto size = Build("disk.fill", Values().Str("path", "/srv", 11).Str("free_left", "1.5G", 12));
  REQUIRE(size.errors.size() == 1);
  CHECK_THAT(size.errors[0].message, Catch::StartsWith("free_left: invalid size \"1.5G\""));
}
