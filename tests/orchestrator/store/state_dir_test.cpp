#include "orchestrator/store/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// Sets (or, with nullopt, unsets) an environment variable and restores it at scope exit.
class ScopedOptionalEnv {
 public:
  ScopedOptionalEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedOptionalEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE("the --state flag wins over every environment variable", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", "/env/state");
  ScopedOptionalEnv xdg("XDG_STATE_HOME", "/xdg");
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::string("/flag/dir")) == fs::path("/flag/dir"));
}

TEST_CASE("FIREDRILL_STATE is used when no flag is given", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", "/env/state");
  ScopedOptionalEnv xdg("XDG_STATE_HOME", "/xdg");
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::nullopt) == fs::path("/env/state"));
}

TEST_CASE("XDG_STATE_HOME/firedrill comes after FIREDRILL_STATE", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", std::nullopt);
  ScopedOptionalEnv xdg("XDG_STATE_HOME", "/xdg");
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::nullopt) == fs::path("/xdg/firedrill"));
}

TEST_CASE("HOME/.local/state/firedrill is the last resort", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", std::nullopt);
  ScopedOptionalEnv xdg("XDG_STATE_HOME", std::nullopt);
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::nullopt) == fs::path("/home/someone/.local/state/firedrill"));
}

TEST_CASE("empty flag and empty variables count as not given", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", "");
  ScopedOptionalEnv xdg("XDG_STATE_HOME", "");
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::string()) == fs::path("/home/someone/.local/state/firedrill"));
}

TEST_CASE("a relative XDG_STATE_HOME is ignored, as the XDG spec says", "[store]") {
  ScopedOptionalEnv state("FIREDRILL_STATE", std::nullopt);
  ScopedOptionalEnv xdg("XDG_STATE_HOME", "relative/state");
  ScopedOptionalEnv home("HOME", "/home/someone");
  CHECK(ResolveStateDir(std::nullopt) == fs::path("/home/someone/.local/state/firedrill"));
}

TEST_CASE("resolving the state dir creates nothing", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "not-yet";
  ScopedOptionalEnv state("FIREDRILL_STATE", dir.string());
  CHECK(ResolveStateDir(std::nullopt) == dir);
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("EnsureStateDir creates missing directories with mode 0700", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "a" / "b" / "firedrill";
  REQUIRE(EnsureStateDir(dir).ok());
  for (const fs::path& p : {tmp.path() / "a", tmp.path() / "a" / "b", dir}) {
    struct stat st {};
    REQUIRE(stat(p.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 077) == 0);
  }
  // A second call is a no-op.
  CHECK(EnsureStateDir(dir).ok());
}

TEST_CASE("EnsureStateDir leaves an existing directory's permissions alone", "[store]") {
  TempDir tmp;
  fs::path dir = tmp.path() / "shared";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  REQUIRE(EnsureStateDir(dir).ok());
  CHECK((fs::status(dir).permissions() & fs::perms::group_read) == fs::perms::group_read);
}

TEST_CASE("EnsureStateDir refuses a path that is a file", "[store]") {
  TempDir tmp;
  fs::path file = tmp.path() / "state";
  std::ofstream(file) << "not a directory";
  Status st = EnsureStateDir(file);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message,
             Catch::Contains(file.string()) && Catch::Contains("not a directory"));

  Status below = EnsureStateDir(file / "sub");
  REQUIRE_FALSE(below.ok());
  CHECK_THAT(below.error().message, Catch::Contains("not a directory"));
}

TEST_CASE("EnsureStateDir refuses an empty path", "[store]") {
  CHECK_FALSE(EnsureStateDir(fs::path()).ok());
}

}  // namespace
}  // namespace firedrill
