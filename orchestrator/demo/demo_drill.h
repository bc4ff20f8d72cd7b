// The drill `firedrill demo` runs: a process crash of the bundled demo service.
#pragma once

#include <string>

#include "drills/drill.h"

namespace firedrill {

/// What the demo drill needs to know about its surroundings.
struct DemoSetup {
  std::string firedrill_binary;  ///< absolute path, to restart the service
  std::string work_dir;          ///< holds the pid and port files
  int port = 0;                  ///< where the running service listens
  SysTime window_start;
  Duration active{0};  ///< from window start to the start of auto-restore
};

/// Returns the TOML text of the demo drill. Pure.
std::string DemoDrillToml(const DemoSetup& setup);

}  // namespace firedrill
