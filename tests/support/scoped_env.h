// An environment variable set for one scope, for tests of configuration read from the
// environment. Tests in one binary run one at a time, so setting it process-wide is safe there.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace firedrill::testing {

/// Sets `name` to `value` (an empty value clears it) until destruction, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value.empty()) {
      unsetenv(name_.c_str());
    } else {
      setenv(name_.c_str(), value.c_str(), 1);
    }
  }
  /// Restores the value the variable had before, or clears it.
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace firedrill::testing
