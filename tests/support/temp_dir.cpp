#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <system_error>

namespace firedrill::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "firedrill-test-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace firedrill::testing
