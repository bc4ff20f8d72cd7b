// A fresh temporary directory per test, removed with everything in it at scope exit.
#pragma once

#include <filesystem>

namespace firedrill::testing {

/// Creates a unique directory under the system temp dir (mkdtemp); fails the test if it cannot.
/// The destructor removes it recursively and ignores errors (a test must not throw from it).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The directory; valid for the lifetime of this object.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace firedrill::testing
