#include "faults/disk_fill_runtime.h"

#include <sys/statvfs.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "faults/local_runner.h"
#include "faults/runtime_support.h"
#include "tests/faults/runtime_test_support.h"
#include "tests/support/temp_dir.h"

using namespace firedrill;
using namespace firedrill::testing;

namespace {

// A 64 MiB tmpfs mounted on a fresh directory and unmounted however the test ends.
class TmpfsMount {
 public:
  TmpfsMount() : dir_(temp_.path() / "mnt") {
    std::filesystem::create_directory(dir_);
    CommandResult mounted =
        RunLocal("mount -t tmpfs -o size=64m firedrill-test " + ShellQuote(dir_.string()));
    if (mounted.ok()) {
      mounted_ = true;
    } else {
      why_not_ = "exit " + std::to_string(mounted.exit_code) + ": " + mounted.err;
    }
  }
  ~TmpfsMount() {
    // A lazy unmount cannot fail on a busy mount, and the test must not throw from here.
    if (mounted_)
      (void)RunBlocking(
          LocalRunner().Run("umount -l " + ShellQuote(dir_.string()), std::chrono::seconds(30)));
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  std::string dir() const { return dir_.string(); }

 private:
  TempDir temp_;
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string why_not_;
};

std::uint64_t AvailableBytes(const std::string& path) {
  struct statvfs fs {};
  REQUIRE(::statvfs(path.c_str(), &fs) == 0);
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

SizeSpec Size(const char* text) {
  Expected<SizeSpec> size = ParseSizeSpec(text);
  REQUIRE(size.ok());
  return *size;
}

}  // namespace

TEST_CASE("disk.fill: df output is parsed", "[faults][runtime]") {
  Expected<FilesystemSpace> space = ParseDfOutput("   Avail 1B-blocks\n50331648  67108864\n");
  REQUIRE(space.ok());
  CHECK(space->avail == 50331648);
  CHECK(space->size == 67108864);
  CHECK_FALSE(ParseDfOutput("").ok());
  CHECK_FALSE(ParseDfOutput("Avail 1B-blocks\n-5 10\n").ok());
  CHECK_FALSE(ParseDfOutput("Avail 1B-blocks\n5\n").ok());
  CHECK_FALSE(ParseDfOutput("Avail 1B-blocks\n5 10 15\n").ok());
}

TEST_CASE("disk.fill: bytes to allocate leave free_left free", "[faults][runtime]") {
  const FilesystemSpace space{48 * kMiB, 64 * kMiB};
  CHECK(*DiskFillBytes(space, Size("16M")) == 32 * kMiB);
  CHECK(*DiskFillBytes(space, Size("25%")) == 32 * kMiB);
  CHECK(*DiskFillBytes(space, Size("0%")) == 48 * kMiB);
  CHECK(*DiskFillBytes(space, Size("1K")) == 48 * kMiB - 1024);
  Expected<std::uint64_t> none = DiskFillBytes(space, Size("48M"));
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("nothing to fill"));
  CHECK_FALSE(DiskFillBytes(space, Size("80%")).ok());
}

TEST_CASE("disk.fill: Prepare refuses a file that is already there and a missing directory",
          "[faults][runtime]") {
  TempDir dir;
  LocalRunner runner;
  auto fault = MakeDiskFillFault();

  auto existing = MakeSpec("disk.fill", "fill",
                           Values()
                               .Str("path", dir.path().string(), 11)
                               .Str("free_left", "1M", 12)
                               .Str("file_name", "precious", 13));
  std::ofstream(dir.path() / "precious") << "not firedrill's";
  Expected<std::string> state = RunBlocking(fault->Prepare(FaultContext{existing, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::Contains("already exists"));
  CHECK(std::filesystem::file_size(dir.path() / "precious") == 15);

  auto missing =
      MakeSpec("disk.fill", "fill",
               Values().Str("path", (dir.path() / "nope").string(), 11).Str("free_left", "1M", 12));
  state = RunBlocking(fault->Prepare(FaultContext{missing, runner, "d"}));
  REQUIRE_FALSE(state.ok());
  CHECK_THAT(state.error().message, Catch::Contains("is not a directory"));

  CHECK_FALSE(std::filesystem::exists(dir.path() / ".firedrill-fill"));
}

TEST_CASE("disk.fill (needs root to mount a tmpfs): fills to free_left, then restores",
          "[faults][runtime][root]") {
  if (!IsRoot()) {
    WARN("skipped: not root (mounting a tmpfs needs CAP_SYS_ADMIN)");
    return;
  }
  TmpfsMount mount;
  if (!mount.mounted()) {
    WARN("skipped: cannot mount a tmpfs here: " + mount.why_not());
    return;
  }
  const char* free_left = GENERATE("16M", "25%");
  INFO("free_left " << free_left);
  REQUIRE(AvailableBytes(mount.dir()) == 64 * kMiB);

  LocalRunner runner;
  auto spec = MakeSpec("disk.fill", "fill",
                       Values().Str("path", mount.dir(), 11).Str("free_left", free_left, 12));
  FaultContext ctx{spec, runner, "d"};
  auto fault = MakeDiskFillFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  REQUIRE(state.ok());
  RestoreAtExit guard(*fault, ctx, *state);
  const std::filesystem::path file = std::filesystem::path(mount.dir()) / ".firedrill-fill";
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));

  REQUIRE(RunBlocking(fault->Inject(ctx, *state)).ok());
  CHECK(std::filesystem::exists(file));
  CHECK(*RunBlocking(fault->Check(ctx, *state)));
  const std::uint64_t avail = AvailableBytes(mount.dir());
  CHECK(avail <= 16 * kMiB);
  CHECK(avail >= 15 * kMiB);
  CHECK_THAT(fault->ManualRestore(ctx, *state),
             Catch::Equals("rm -f -- " + ShellQuote(file.string())));

  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(AvailableBytes(mount.dir()) == 64 * kMiB);
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
  CHECK(RunBlocking(fault->Restore(ctx, *state)).ok());
}

TEST_CASE(
    "disk.fill (needs root to mount a tmpfs): refuses, and never removes, a file that is "
    "not its own",
    "[faults][runtime][root]") {
  if (!IsRoot()) {
    WARN("skipped: not root (mounting a tmpfs needs CAP_SYS_ADMIN)");
    return;
  }
  TmpfsMount mount;
  if (!mount.mounted()) {
    WARN("skipped: cannot mount a tmpfs here: " + mount.why_not());
    return;
  }
  LocalRunner runner;
  auto spec = MakeSpec("disk.fill", "fill",
                       Values().Str("path", mount.dir(), 11).Str("free_left", "16M", 12));
  FaultContext ctx{spec, runner, "d"};
  auto fault = MakeDiskFillFault();
  Expected<std::string> state = RunBlocking(fault->Prepare(ctx));
  REQUIRE(state.ok());
  const std::filesystem::path file = std::filesystem::path(mount.dir()) / ".firedrill-fill";
  std::ofstream(file) << "someone else's";
  Status injected = RunBlocking(fault->Inject(ctx, *state));
  REQUIRE_FALSE(injected.ok());
  CHECK(std::filesystem::file_size(file) == 14);
  // Not the file this run created: not reported as the fault, and not removed by a restore.
  CHECK_FALSE(*RunBlocking(fault->Check(ctx, *state)));
  REQUIRE(RunBlocking(fault->Restore(ctx, *state)).ok());
  CHECK(std::filesystem::file_size(file) == 14);
  CHECK(AvailableBytes(mount.dir()) > 63 * kMiB);

  // A filesystem that already has no more than free_left free is refused.
  auto full = MakeSpec("disk.fill", "fill",
                       Values()
                           .Str("path", mount.dir(), 11)
                           .Str("free_left", "64M", 12)
                           .Str("file_name", "other", 13));
  Expected<std::string> refused = RunBlocking(fault->Prepare(FaultContext{full, runner, "d"}));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("nothing to fill"));
}
